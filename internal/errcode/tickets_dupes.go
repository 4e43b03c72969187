package errcode

import "net/http"

// Duplicate tickets, merge and split (SB-2130…2139).
var (
	BadDupSettings   = def("SB-2130", http.StatusUnprocessableEntity, "bad_duplicate_settings", "duplicate thresholds are 0–1 with suggest ≤ link, window 1–365 days, candidates 1–5000, known types")
	MergeIntoSelf    = def("SB-2131", http.StatusConflict, "merge_into_self", "a ticket cannot be merged into itself")
	MergeCycle       = def("SB-2132", http.StatusConflict, "merge_cycle", "the target is a duplicate of this ticket; merging would make a cycle")
	AlreadyDuplicate = def("SB-2133", http.StatusConflict, "already_duplicate", "the ticket is already a duplicate of another")
	MergeIntoClosed  = def("SB-2134", http.StatusConflict, "merge_into_closed", "the target ticket is closed or cancelled")
	BadSplit         = def("SB-2135", http.StatusUnprocessableEntity, "bad_split", "split sources must be source messages of this ticket, leaving it at least one")
	NoSuggestion     = def("SB-2136", http.StatusNotFound, "no_suggestion", "no open duplicate suggestion for that ticket")
	BadDecision      = def("SB-2137", http.StatusUnprocessableEntity, "bad_decision", "decision must be accept or dismiss")
)
