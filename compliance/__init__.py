"""The S3 active storage compliance suite: an executable specification of the active storage API.

Importing the package does no work: no client, bucket or network call (see conftest.py fixtures).
"""
