"""The catalogue's 业务预约（约办） leads to the booking page: a person, or a unit's user who may,
chooses the department, the day and a slot cut from the office hours in policy, and the booking
is made at once; nothing is filed for a reviewer. Telephone appointments (电话约办) stay with the
desk's staff, who enter them for a caller."""

from __future__ import annotations

from shebao.applications.handlers import MatterHandler, register


@register("appointment_book")
class AppointmentBookHandler(MatterHandler):
    page = "appointments:mine"
    files_application = False
