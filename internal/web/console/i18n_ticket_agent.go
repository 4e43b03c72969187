package console

// The agent's ticket tools — duplicate suggestions, the most-mentioned
// list, the availability switch — in both languages, merged into the
// catalogue at start-up.
var ticketAgentMessages = map[string]map[string]string{
	LangZH: {
		"sugg.title":       "可能重复",
		"sugg.hint":        "以下未完成的工单与本工单相似。合并后本工单关闭，计入对方的提出次数，请求人会收到通知。",
		"sugg.score":       "相似度",
		"sugg.merge":       "合并",
		"sugg.dismiss":     "忽略",
		"mentioned.title":  "最常提及",
		"mentioned.hint":   "未完成的工单按被提出的次数排序：每个合并进来的重复工单算一次。",
		"mentioned.rank":   "排名",
		"mentioned.count":  "提出次数",
		"mentioned.people": "提出人",
		"mentioned.empty":  "没有未完成的工单。",
		"agent.on":         "接单中",
		"agent.off":        "暂停接单",
		"agent.pause":      "暂停接单",
		"agent.resume":     "开始接单",
		"agent.load_hint":  "进行中的工单 / 容量",
	},
	LangEN: {
		"sugg.title":       "Possible duplicates",
		"sugg.hint":        "These open tickets look like this one. Merging closes this ticket, counts it as a mention of the other and tells its requester.",
		"sugg.score":       "Similarity",
		"sugg.merge":       "Merge",
		"sugg.dismiss":     "Dismiss",
		"mentioned.title":  "Most mentioned",
		"mentioned.hint":   "Open tickets ranked by how often they were raised: each duplicate merged in counts once.",
		"mentioned.rank":   "Rank",
		"mentioned.count":  "Times raised",
		"mentioned.people": "Raised by",
		"mentioned.empty":  "No open tickets.",
		"agent.on":         "Taking tickets",
		"agent.off":        "Paused",
		"agent.pause":      "Pause",
		"agent.resume":     "Take tickets",
		"agent.load_hint":  "Open tickets / capacity",
	},
}

func init() {
	for lang, strs := range ticketAgentMessages {
		for k, v := range strs {
			messages[lang][k] = v
		}
	}
}
