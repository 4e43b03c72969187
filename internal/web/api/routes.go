package api

// table is the single list of API routes; Mount and the OpenAPI document both read it.
func (a *API) table() []Route {
	return []Route{
		{"POST", "/api/v1/session", "Sign in with login and password; sets the session cookie", "auth", true, a.login},
		{"DELETE", "/api/v1/session", "Sign out", "auth", true, a.logout},
		{"GET", "/api/v1/me", "The signed-in user, roles and scope", "auth", false, a.me},

		{"GET", "/api/v1/org-units", "List the org unit tree", "org", false, a.listOrgUnits},
		{"POST", "/api/v1/org-units", "Create an org unit (admin)", "org", false, a.createOrgUnit},
		{"GET", "/api/v1/users", "List users (admin)", "org", false, a.listUsers},
		{"POST", "/api/v1/users", "Create a user with role grants (admin)", "org", false, a.createUser},
		{"POST", "/api/v1/users/{id}/tokens", "Issue an API token for a user (admin, or the user)", "org", false, a.createToken},

		{"GET", "/api/v1/channels", "List channels in scope", "channels", false, a.listChannels},
		{"POST", "/api/v1/channels", "Create a channel (admin); the secret is shown once", "channels", false, a.createChannel},
		{"GET", "/api/v1/channels/{id}", "Channel detail with callback URL and health", "channels", false, a.getChannel},
		{"PATCH", "/api/v1/channels/{id}", "Rename, move, enable/disable or reconfigure a channel (admin)", "channels", false, a.updateChannel},
		{"DELETE", "/api/v1/channels/{id}", "Delete a channel without messages (admin)", "channels", false, a.deleteChannel},
		{"POST", "/api/v1/channels/{id}/test", "Test connection: prove the channel's credentials or reply URL with one platform request and update its health; 200 with ok or the platform's error (admin)", "channels", false, a.testChannel},

		{"GET", "/api/v1/conversations", "List conversations in scope", "messages", false, a.listConversations},
		{"GET", "/api/v1/conversations/{id}", "Conversation detail", "messages", false, a.getConversation},
		{"POST", "/api/v1/conversations/{id}/reply", "Reply in a conversation through its channel", "messages", false, a.reply},
		{"GET", "/api/v1/messages", "List messages in scope with filters and cursor pagination; person_id lists a person's messages on every linked platform", "messages", false, a.listMessages},
		{"GET", "/api/v1/messages/{id}", "Message detail", "messages", false, a.getMessage},
		{"GET", "/api/v1/messages/{id}/deliveries", "Delivery records of an outbound message", "messages", false, a.listDeliveries},
		{"GET", "/api/v1/messages/{id}/attachments/{n}", "Download an attachment", "messages", false, a.getAttachment},
		{"PUT", "/api/v1/messages/{id}/star", "Star a message", "messages", false, a.star},
		{"DELETE", "/api/v1/messages/{id}/star", "Unstar a message", "messages", false, a.unstar},
		{"PUT", "/api/v1/messages/{id}/read", "Mark a message read", "messages", false, a.markRead},
		{"GET", "/api/v1/search", "Full-text search (Chinese and English) in scope", "messages", false, a.search},
		{"GET", "/api/v1/people", "List people with an identity in scope, newest first (q: name, email or mobile)", "people", false, a.listPeople},
		{"GET", "/api/v1/people/{id}", "A person (resolved to the person it is linked into) with every platform identity and its contact profile", "people", false, a.getPerson},
		{"POST", "/api/v1/people/{id}/identities", "Link an identity (and its person's links) to this person (admin of the identities' departments; audited)", "people", false, a.linkIdentity},
		{"DELETE", "/api/v1/people/{id}/identities/{identity_id}", "Unlink an identity from this person (admin of the identities' departments; audited)", "people", false, a.unlinkIdentity},
		{"GET", "/api/v1/events", "Live events (Server-Sent Events), filtered by scope", "messages", false, a.events},

		{"GET", "/api/v1/rules", "List the message rules in evaluation order (admin)", "rules", false, a.listRules},
		{"POST", "/api/v1/rules", "Create a rule; without a position it goes last (admin)", "rules", false, a.createRule},
		{"GET", "/api/v1/rules/export", "Every rule as one YAML document (admin)", "rules", false, a.exportRules},
		{"POST", "/api/v1/rules/import", "Replace every rule with a YAML document, all or nothing (admin)", "rules", false, a.importRules},
		{"POST", "/api/v1/rules/dry-run", "Try draft rules on the last N messages in scope; changes nothing (admin)", "rules", false, a.dryRun},
		{"GET", "/api/v1/rules/{id}", "One rule (admin)", "rules", false, a.getRule},
		{"PUT", "/api/v1/rules/{id}", "Replace a rule whole (admin)", "rules", false, a.updateRule},
		{"DELETE", "/api/v1/rules/{id}", "Delete a rule (admin)", "rules", false, a.deleteRule},

		{"GET", "/api/v1/me/notify-settings", "Your notification settings: channel chain, quiet hours, do-not-disturb, digest interval, highlights", "notify", false, a.getNotifySettings},
		{"PUT", "/api/v1/me/notify-settings", "Replace your notification settings", "notify", false, a.putNotifySettings},
		{"GET", "/api/v1/users/{id}/notify-settings", "A user's notification settings (admin, or the user)", "notify", false, a.getNotifySettings},
		{"PUT", "/api/v1/users/{id}/notify-settings", "Replace a user's notification settings (admin, or the user)", "notify", false, a.putNotifySettings},
		{"GET", "/api/v1/org-units/{id}/notify-chain", "An org unit's fallback chain, for its people who set none (admin)", "notify", false, a.getUnitChain},
		{"PUT", "/api/v1/org-units/{id}/notify-chain", "Replace an org unit's fallback chain; empty removes it (admin)", "notify", false, a.putUnitChain},
		{"GET", "/api/v1/notify-chain", "The default fallback chain, for people with neither their own nor a unit's (admin)", "notify", false, a.getUnitChain},
		{"PUT", "/api/v1/notify-chain", "Replace the default fallback chain (admin)", "notify", false, a.putUnitChain},
		{"GET", "/api/v1/me/notifications", "Your notifications, newest first, each with the path its deliveries took", "notify", false, a.listNotifications},

		{"GET", "/api/v1/tickets", "List tickets in scope, newest first: filters status (comma-separated), type, priority, assignee_id, org_unit_id, requester_id, q (title, description or SB-number); cursor pagination", "tickets", false, a.listTickets},
		{"POST", "/api/v1/tickets", "Create a ticket, optionally from source messages; the same source messages again return the existing ticket (200) instead of a new one (201)", "tickets", false, a.createTicket},
		{"GET", "/api/v1/tickets/{id}", "Ticket detail: sources, comments, history, allowed transitions and how the priority score was computed", "tickets", false, a.getTicket},
		{"PATCH", "/api/v1/tickets/{id}", "Change ticket fields; send the version you read, a changed ticket is refused with 409 SB-2102", "tickets", false, a.patchTicket},
		{"POST", "/api/v1/tickets/{id}/transitions", "Move a ticket to another status ({to, reason, version}); transitions outside its type's lifecycle are refused with 409 SB-2101", "tickets", false, a.transitionTicket},
		{"POST", "/api/v1/tickets/{id}/comments", "Comment on a ticket ({body, public}); public comments may be shown to the requester", "tickets", false, a.commentTicket},
		{"GET", "/api/v1/ticket-types", "Ticket types (built-in and admin-defined) with their lifecycle flow", "tickets", false, a.listTicketTypes},
		{"GET", "/api/v1/priority-weights", "The priority factor weights in use and the score thresholds", "tickets", false, a.getPriorityWeights},
		{"PUT", "/api/v1/priority-weights", "Set the priority factor weights, 0–10 each (admin)", "tickets", false, a.putPriorityWeights},

		{"GET", "/api/v1/alerts", "Alerts for admins (deliveries that failed for good), newest first (admin)", "notify", false, a.listAlerts},
		{"GET", "/api/v1/audit", "Audit trail (admin, auditor)", "governance", false, a.listAudit},
		{"GET", "/api/v1/errors", "The numbered error catalogue", "meta", true, a.listErrors},
		{"GET", "/api/v1/openapi.json", "This API's OpenAPI document", "meta", true, a.openAPI},
	}
}
