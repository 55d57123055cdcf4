"""Columns several report tables print the same way (short headings for the packets' and MOC/REMS lists)."""

from __future__ import annotations

from .tables import col

ACTIVITY = col("activity_id", "Activity", "code")
PROVIDER = col("provider_id", "Provider", "code")
PROVIDER_NAME = col("provider_name", "Name")
YEAR = col("report_year", "Year", "code")
TYPE = col("activity_type", "Type", "code")
TITLE = col("title", "Title")
STATUS = col("activity_status", "Status")
DESIGNATION = col("rems_designation", "Designation")
PHYSICIANS = col("physician_interactions", "Physicians")
OTHER_LEARNERS = col("other_learner_interactions", "Other learners")
LATE_RATE = col("late_rate", "Late rate", "share")
REJECTION_RATE = col("rejection_rate", "Rejection rate", "share")
