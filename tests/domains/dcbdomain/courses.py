"""A DCB domain (eventsourcing 9.5 ``eventsourcing.dcb``): courses and students as enduring
objects, each tagged with its own id, and an enrolment decision tagged with both (a group).
Decisions are msgspec structs stored as msgpack (the library's ``MessagePackMapper``)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from eventsourcing.dcb.application import DCBApplication
from eventsourcing.dcb.domain import EnduringObject, Group
from eventsourcing.dcb.msgpack import Decision, InitialDecision, MessagePackMapper
from eventsourcing.domain import event
from eventsourcing.utils import get_topic


class StudentJoinedCourse(Decision):
    student_id: str
    course_id: str


class Course(EnduringObject[Decision, str]):
    class Registered(InitialDecision):
        course_id: str
        name: str
        places: int

    @event(Registered)
    def __init__(self, *, name: str, places: int) -> None:
        self.name = name
        self.places = places
        self.students: list[str] = []
        self.fee = "0"

    class Renamed(Decision):
        name: str

    @event(Renamed)
    def rename(self, name: str) -> None:
        self.name = name

    class PlacesChanged(Decision):
        places: int
        at: datetime
        fee: Decimal

    @event(PlacesChanged)
    def change_places(self, places: int, at: datetime, fee: Decimal) -> None:
        self.places = places
        self.changed_at = at
        self.fee = str(fee)

    @event(StudentJoinedCourse)
    def _(self, student_id: str) -> None:
        self.students.append(student_id)


class Student(EnduringObject[Decision, str]):
    class Registered(InitialDecision):
        student_id: str
        name: str
        max_courses: int

    @event(Registered)
    def __init__(self, *, name: str, max_courses: int) -> None:
        self.name = name
        self.max_courses = max_courses
        self.courses: list[str] = []

    class Renamed(Decision):
        name: str

    @event(Renamed)
    def rename(self, name: str) -> None:
        self.name = name

    @event(StudentJoinedCourse)
    def _(self, course_id: str) -> None:
        self.courses.append(course_id)


class Enrolment(Group[Decision]):
    def __init__(self, student: Student, course: Course) -> None:
        self.student = student
        self.course = course

    def join(self) -> None:
        self.trigger_event(
            StudentJoinedCourse, student_id=self.student.id, course_id=self.course.id
        )


class CourseSchool(DCBApplication):
    env = {"MAPPER_TOPIC": get_topic(MessagePackMapper)}  # noqa: RUF012 - the library's attribute
