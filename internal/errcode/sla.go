package errcode

import "net/http"

// Service levels (SLA) of tickets: SB-2120..SB-2129.
var (
	BadSLAPolicy   = def("SB-2120", http.StatusUnprocessableEntity, "bad_sla_policy", "an SLA policy has an invalid value")
	BadSLACalendar = def("SB-2121", http.StatusUnprocessableEntity, "bad_sla_calendar", "a business-hours calendar has an invalid value")
	SLACalendarUse = def("SB-2122", http.StatusConflict, "sla_calendar_in_use", "the calendar is used by an SLA policy")
	BadSLAFilter   = def("SB-2123", http.StatusBadRequest, "bad_sla_filter", "sla filter must be breached or at_risk")
)
