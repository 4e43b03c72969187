package console

// The person page's strings, kept beside the catalogue in i18n.go and
// merged into it at start-up, in both languages like every other string.
var peopleMessages = map[string]map[string]string{
	LangZH: {
		"person.title":            "人员",
		"person.back":             "← 返回收件箱",
		"person.department":       "部门",
		"person.email":            "邮箱",
		"person.mobile":           "手机",
		"person.unknown":          "未知",
		"person.identities":       "各平台身份",
		"person.platform":         "平台",
		"person.channel":          "渠道",
		"person.account":          "账号 ID",
		"person.name_on_platform": "平台上的名称",
		"person.profile":          "通讯录资料",
		"person.verified":         "已验证",
		"person.state.pending":    "尚未查询",
		"person.state.done":       "已从通讯录获取",
		"person.state.denied":     "无通讯录权限（请在平台开放通讯录权限）",
		"person.state.none":       "通讯录中无此人",
		"person.state.failed":     "查询失败",
		"person.messages":         "最近消息（所有平台）",
		"person.tickets":          "此人提出的工单",
		"person.tickets_empty":    "没有您可查看的工单。",
		"person.tickets_all":      "查看此人的全部工单",
		"person.empty":            "没有您可查看的消息。",
		"person.more":             "更早的消息",
		"person.open":             "查看此人",
		"person.link":             "关联",
		"person.unlink":           "取消关联",
		"person.link_id":          "关联另一个身份（身份 ID，可在该身份所属人员的页面查到）",
		"person.link_invalid":     "未能更改：该身份不存在、已属于此人，或并未与此人关联。",
		"platform.feishu":         "飞书",
		"platform.dingtalk":       "钉钉",
		"platform.webhook":        "Webhook",
		"platform.other":          "其他平台",
	},
	LangEN: {
		"person.title":            "Person",
		"person.back":             "← Back to inbox",
		"person.department":       "Department",
		"person.email":            "Email",
		"person.mobile":           "Mobile",
		"person.unknown":          "unknown",
		"person.identities":       "Identities on each platform",
		"person.platform":         "Platform",
		"person.channel":          "Channel",
		"person.account":          "Account ID",
		"person.name_on_platform": "Name on the platform",
		"person.profile":          "Directory profile",
		"person.verified":         "verified",
		"person.state.pending":    "not looked up yet",
		"person.state.done":       "from the platform's directory",
		"person.state.denied":     "no contact permission (grant it on the platform)",
		"person.state.none":       "not in the directory",
		"person.state.failed":     "lookup failed",
		"person.messages":         "Recent messages (all platforms)",
		"person.tickets":          "Tickets this person raised",
		"person.tickets_empty":    "No tickets you may see.",
		"person.tickets_all":      "All of this person's tickets",
		"person.empty":            "No messages you may see.",
		"person.more":             "Earlier messages",
		"person.open":             "Open this person",
		"person.link":             "Link",
		"person.unlink":           "Unlink",
		"person.link_id":          "Link another identity (its identity ID, shown on its person's page)",
		"person.link_invalid":     "Nothing changed: that identity does not exist, is this person's already, or is not linked to this person.",
		"platform.feishu":         "Feishu",
		"platform.dingtalk":       "DingTalk",
		"platform.webhook":        "Webhook",
		"platform.other":          "Other platform",
	},
}

func init() {
	for lang, strs := range peopleMessages {
		for k, v := range strs {
			messages[lang][k] = v
		}
	}
}
