"""`python app.py` serves the sandbox on the embedded SQLite database."""

from sandbox import create_app

if __name__ == "__main__":
    app = create_app()
    app.extensions["sandbox"].grading.start_background()
    app.run(host=app.config["HOST"], port=app.config["PORT"], threaded=True, use_reloader=False)
