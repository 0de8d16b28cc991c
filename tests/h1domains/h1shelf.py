"""A small domain: books on a shelf (imported only because stored topics name it)."""
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event


class Book(Aggregate):
    @event("Shelved")
    def __init__(self, title: str):
        self.title = title
        self.loans = 0

    @event("Lent")
    def lend(self):
        self.loans += 1


class Library(Application):
    snapshotting_intervals = {Book: 2}
