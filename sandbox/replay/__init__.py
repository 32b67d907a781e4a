"""Visual replay: the candidate's pages recorded with rrweb, stored per attempt, played to examiners."""
