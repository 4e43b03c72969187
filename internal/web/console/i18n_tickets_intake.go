package console

// The conversation page's create-ticket form and the rule summary's ticket
// action, in both languages, merged into the catalogue at start-up.
var ticketIntakeMessages = map[string]map[string]string{
	LangZH: {
		"conv.ticket.title":    "创建工单",
		"conv.ticket.hint":     "勾选上面的消息，选择类型后创建。同样的消息再次提交会显示已有的工单。",
		"conv.ticket.type":     "类型",
		"conv.ticket.subject":  "标题（可选，默认取第一条消息的首行）",
		"conv.ticket.submit":   "创建工单",
		"conv.ticket.pick":     "请先勾选至少一条消息。",
		"conv.ticket.created":  "已创建工单",
		"conv.ticket.existing": "这些消息已属于工单",
		"conv.ticket.select":   "选中此消息以创建工单",
		"conv.ticket.open":     "查看",
		"rules.a.ticket":       "创建工单",
	},
	LangEN: {
		"conv.ticket.title":    "Create ticket",
		"conv.ticket.hint":     "Tick messages above, choose a type and create. The same messages again show their existing ticket.",
		"conv.ticket.type":     "Type",
		"conv.ticket.subject":  "Title (optional; the first message's first line by default)",
		"conv.ticket.submit":   "Create ticket",
		"conv.ticket.pick":     "Tick at least one message first.",
		"conv.ticket.created":  "Ticket created",
		"conv.ticket.existing": "These messages already belong to ticket",
		"conv.ticket.select":   "Select this message for a ticket",
		"conv.ticket.open":     "Open",
		"rules.a.ticket":       "Make a ticket",
	},
}

func init() {
	for lang, strs := range ticketIntakeMessages {
		for k, v := range strs {
			messages[lang][k] = v
		}
	}
}
