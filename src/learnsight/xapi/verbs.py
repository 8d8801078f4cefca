"""Verb IRIs Learnsight writes itself (LMS-export imports, the demo company).

Which verbs mean enrolled, completed, passed... when KPIs read statements is configurable; these
are only the ones Learnsight's own importers and generator emit.
"""

ADL = "http://adlnet.gov/expapi/verbs/"
REGISTERED = ADL + "registered"
LAUNCHED = ADL + "launched"
INITIALIZED = ADL + "initialized"
EXPERIENCED = ADL + "experienced"
PROGRESSED = ADL + "progressed"
ATTEMPTED = ADL + "attempted"
ANSWERED = ADL + "answered"
SCORED = ADL + "scored"
PASSED = ADL + "passed"
FAILED = ADL + "failed"
COMPLETED = ADL + "completed"
ATTENDED = ADL + "attended"
TERMINATED = ADL + "terminated"
# No ADL verb means "withdrew from a course"; the Tin Can registry's "unregistered" is the one
# LMSs use for an enrolment that ended without completion.
UNREGISTERED = "http://id.tincanapi.com/verb/unregistered"

COURSE_TYPE = "http://adlnet.gov/expapi/activities/course"
MODULE_TYPE = "http://adlnet.gov/expapi/activities/module"
ASSESSMENT_TYPE = "http://adlnet.gov/expapi/activities/assessment"
