"""The run: the LangGraph committee graph, the runner that stores and resumes runs, the server graph."""
