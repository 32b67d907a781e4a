"""`python app.py` serves the sandbox on the embedded SQLite database."""

from sandbox import create_app
from sandbox.runtime import freeze_startup_heap

if __name__ == "__main__":
    app = create_app()
    app.extensions["sandbox"].grading.start_background()
    freeze_startup_heap()
    app.run(host=app.config["HOST"], port=app.config["PORT"], threaded=True, use_reloader=False)
