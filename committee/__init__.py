"""committee: a practice simulator of an alignment-first hiring committee.

Four fictional personas review a candidate's packet blind, argue in a LangGraph
debrief, vote, and committee rules turn the votes into a decision with coaching
feedback. The committee is fictional and claims no link to any real company.
"""

__version__ = "0.1.0"
