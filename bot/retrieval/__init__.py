"""Retrieval: lexical and dense ranking, fusion, the index store, the langchain adapter."""
