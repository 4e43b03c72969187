package errcode

import "net/http"

// 2150–2159: saved ticket-list views (the console).
var (
	BadTicketView    = def("SB-2150", http.StatusUnprocessableEntity, "bad_ticket_view", "a saved view needs a name (1–60 characters) and a valid query")
	TicketViewExists = def("SB-2151", http.StatusConflict, "ticket_view_exists", "you already have a saved view of that name")
)
