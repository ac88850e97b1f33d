"""Errors the storage layer raises for the operator; `str(error)` is one line that says what to do."""


class StorageError(Exception):
    """The database cannot be used as asked."""


class NotADatabase(StorageError):
    pass


class NewerSchema(StorageError):
    pass


class AlreadyRunning(StorageError):
    pass
