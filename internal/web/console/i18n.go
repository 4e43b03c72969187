package console

import (
	"fmt"
	"net/http"
	"strings"
)

// LangCookie holds the visitor's chosen UI language.
const LangCookie = "lang"

// Languages the console speaks; the first is the default.
const (
	LangZH = "zh"
	LangEN = "en"
)

// messages holds every UI string, one map per language. Templates and the JS
// read only from here, so a string missing in one language is a test failure,
// not a half-translated page.
var messages = map[string]map[string]string{
	LangZH: {
		"html.lang":             "zh-CN",
		"app.name":              "Switchboard 统一消息",
		"nav.inbox":             "收件箱",
		"nav.logout":            "退出登录",
		"nav.signed_in_as":      "当前用户",
		"lang.other":            "English",
		"lang.other_code":       "en",
		"login.title":           "登录",
		"login.subtitle":        "所有平台的消息，一处查看",
		"login.login":           "账号",
		"login.password":        "密码",
		"login.submit":          "登录",
		"login.error":           "账号或密码错误，请重试。",
		"login.disabled":        "该账号已停用，请联系管理员。",
		"inbox.title":           "统一收件箱",
		"inbox.empty":           "没有符合条件的消息。",
		"inbox.more":            "加载更多",
		"inbox.loading":         "加载中…",
		"inbox.new_refresh":     "有新消息，点击刷新查看",
		"inbox.live":            "实时",
		"inbox.offline":         "连接中断，正在重连…",
		"inbox.bad_filter":      "筛选条件无效：",
		"filter.channel":        "渠道",
		"filter.kind":           "类型",
		"filter.dept":           "部门",
		"filter.tag":            "标签",
		"filter.tag_ph":         "如：紧急",
		"filter.q":              "搜索",
		"filter.q_ph":           "搜索消息（中文或英文）",
		"filter.all":            "全部",
		"filter.apply":          "筛选",
		"filter.reset":          "清除",
		"kind.text":             "文本",
		"kind.image":            "图片",
		"kind.file":             "文件",
		"kind.voice":            "语音",
		"kind.video":            "视频",
		"kind.card":             "卡片",
		"msg.star":              "加星标",
		"msg.unstar":            "取消星标",
		"msg.in":                "收到",
		"msg.out":               "已发出",
		"msg.untitled":          "未命名会话",
		"msg.open":              "查看会话",
		"conv.title":            "会话",
		"conv.back":             "← 返回收件箱",
		"conv.earlier":          "查看更早的消息",
		"conv.empty":            "该会话还没有消息。",
		"conv.attachments":      "附件",
		"conv.reply":            "回复",
		"conv.reply_ph":         "输入回复内容，将通过原渠道发送给对方…",
		"conv.send":             "发送",
		"conv.reply_empty":      "回复内容不能为空。",
		"conv.reply_failed":     "发送失败：",
		"conv.messages":         "条消息",
		"forbidden.title":       "没有权限",
		"forbidden.body":        "您没有权限查看该内容，它属于其他部门。如需访问，请联系部门主管或管理员申请授权。本次访问已记入审计日志。",
		"notfound.title":        "未找到",
		"notfound.body":         "该页面或会话不存在，可能已被删除。",
		"csrf.title":            "表单已失效",
		"csrf.body":             "为保护您的账号，该请求已被拒绝。请返回页面刷新后重试。",
		"error.title":           "出错了",
		"error.body":            "服务器暂时无法完成请求，请稍后重试。",
		"error.back":            "返回收件箱",
		"time.just_now":         "刚刚",
		"footer.text":           "Switchboard · 需求不再“掉线”",
		"nav.rules":             "规则",
		"rules.title":           "规则",
		"rules.intro":           "规则按顺序作用于每条新收到的消息：条件全部满足时执行动作；设置了“停止”的规则匹配后，不再检查后面的规则。",
		"rules.empty":           "还没有规则。可在下方以 YAML 添加。",
		"rules.col.position":    "顺序",
		"rules.col.name":        "名称",
		"rules.col.state":       "状态",
		"rules.col.conditions":  "条件",
		"rules.col.actions":     "动作",
		"rules.enabled":         "启用",
		"rules.disabled":        "停用",
		"rules.edit":            "以 YAML 编辑全部规则",
		"rules.edit_hint":       "保存会替换整个规则列表并立即生效；只要有一处错误，就什么都不会改变。",
		"rules.save":            "保存",
		"rules.download":        "下载 YAML",
		"rules.saved":           "规则已保存，并已立即生效。",
		"rules.save_error":      "未保存：",
		"rules.dry.title":       "试运行",
		"rules.dry.hint":        "粘贴一条规则草稿（YAML），查看最近 N 条消息中哪些会匹配、会发生什么。试运行不会改动任何消息或规则。",
		"rules.dry.placeholder": "name: 紧急\nconditions:\n  keywords: {any: [紧急, urgent]}\nactions: {tags: [紧急], priority: P1}",
		"rules.dry.limit":       "最近消息数",
		"rules.dry.run":         "试运行",
		"rules.dry.error":       "草稿有误：",
		"rules.dry.scanned":     "已检查消息",
		"rules.dry.matched":     "匹配",
		"rules.dry.none":        "最近的消息中没有匹配的。",
		"rules.dry.col.message": "消息",
		"rules.dry.col.rules":   "匹配的规则",
		"rules.dry.col.outcome": "将会",
		"rules.c.every":         "所有消息",
		"rules.c.channels":      "渠道",
		"rules.c.channel_kinds": "渠道类型",
		"rules.c.conversations": "会话",
		"rules.c.senders":       "发送人",
		"rules.c.sender_units":  "发送人部门",
		"rules.c.units":         "所属部门",
		"rules.c.kinds":         "消息类型",
		"rules.c.any":           "含任一关键词",
		"rules.c.all":           "含全部关键词",
		"rules.c.none":          "不含关键词",
		"rules.c.regex":         "正则",
		"rules.c.mentions":      "提及",
		"rules.c.time":          "时间",
		"rules.a.tags":          "加标签",
		"rules.a.category":      "分类",
		"rules.a.priority":      "优先级",
		"rules.a.urgent":        "标为紧急",
		"rules.a.route":         "分派给",
		"rules.a.notify_now":    "立即通知",
		"rules.a.digest":        "加入摘要，间隔",
		"rules.a.task":          "创建跟进任务",
		"rules.a.deadline":      "期限",
		"rules.a.retention":     "保留类别",
		"rules.a.confidential":  "标为机密",
		"rules.a.auto_reply":    "自动回复",
		"rules.a.stop":          "不再检查后续规则",
		"rules.route.unit":      "部门",
		"rules.route.role":      "角色",
		"rules.route.person":    "人员",
		"day.0":                 "周日",
		"day.1":                 "周一",
		"day.2":                 "周二",
		"day.3":                 "周三",
		"day.4":                 "周四",
		"day.5":                 "周五",
		"day.6":                 "周六",
	},
	LangEN: {
		"html.lang":             "en",
		"app.name":              "Switchboard Unified Inbox",
		"nav.inbox":             "Inbox",
		"nav.logout":            "Sign out",
		"nav.signed_in_as":      "Signed in as",
		"lang.other":            "中文",
		"lang.other_code":       "zh",
		"login.title":           "Sign in",
		"login.subtitle":        "Every platform's messages in one place",
		"login.login":           "Login",
		"login.password":        "Password",
		"login.submit":          "Sign in",
		"login.error":           "Wrong login or password. Please try again.",
		"login.disabled":        "This account is disabled. Please contact an administrator.",
		"inbox.title":           "Unified inbox",
		"inbox.empty":           "No messages match.",
		"inbox.more":            "Load more",
		"inbox.loading":         "Loading…",
		"inbox.new_refresh":     "New messages — click to refresh",
		"inbox.live":            "Live",
		"inbox.offline":         "Connection lost, reconnecting…",
		"inbox.bad_filter":      "Invalid filter: ",
		"filter.channel":        "Channel",
		"filter.kind":           "Type",
		"filter.dept":           "Department",
		"filter.tag":            "Tag",
		"filter.tag_ph":         "e.g. urgent",
		"filter.q":              "Search",
		"filter.q_ph":           "Search messages (Chinese or English)",
		"filter.all":            "All",
		"filter.apply":          "Filter",
		"filter.reset":          "Clear",
		"kind.text":             "Text",
		"kind.image":            "Image",
		"kind.file":             "File",
		"kind.voice":            "Voice",
		"kind.video":            "Video",
		"kind.card":             "Card",
		"msg.star":              "Star",
		"msg.unstar":            "Unstar",
		"msg.in":                "Received",
		"msg.out":               "Sent",
		"msg.untitled":          "Untitled conversation",
		"msg.open":              "Open conversation",
		"conv.title":            "Conversation",
		"conv.back":             "← Back to inbox",
		"conv.earlier":          "Show earlier messages",
		"conv.empty":            "No messages in this conversation yet.",
		"conv.attachments":      "Attachments",
		"conv.reply":            "Reply",
		"conv.reply_ph":         "Type a reply; it is sent through the original channel…",
		"conv.send":             "Send",
		"conv.reply_empty":      "The reply is empty.",
		"conv.reply_failed":     "Sending failed: ",
		"conv.messages":         "messages",
		"forbidden.title":       "No permission",
		"forbidden.body":        "You do not have permission to view this; it belongs to another department. Ask your department head or an administrator for access. This attempt has been recorded in the audit log.",
		"notfound.title":        "Not found",
		"notfound.body":         "This page or conversation does not exist; it may have been deleted.",
		"csrf.title":            "Form expired",
		"csrf.body":             "To protect your account this request was refused. Go back, reload the page and try again.",
		"error.title":           "Something went wrong",
		"error.body":            "The server could not complete the request. Please try again later.",
		"error.back":            "Back to inbox",
		"time.just_now":         "just now",
		"footer.text":           "Switchboard · no request drops off the line",
		"nav.rules":             "Rules",
		"rules.title":           "Rules",
		"rules.intro":           "Rules act on every new inbound message in order: when all of a rule's conditions hold, its actions apply; a rule with “stop” ends the evaluation when it matches.",
		"rules.empty":           "No rules yet. Add some as YAML below.",
		"rules.col.position":    "Order",
		"rules.col.name":        "Name",
		"rules.col.state":       "State",
		"rules.col.conditions":  "Conditions",
		"rules.col.actions":     "Actions",
		"rules.enabled":         "Enabled",
		"rules.disabled":        "Disabled",
		"rules.edit":            "Edit all rules as YAML",
		"rules.edit_hint":       "Saving replaces the whole list and applies at once; if anything is wrong, nothing changes.",
		"rules.save":            "Save",
		"rules.download":        "Download YAML",
		"rules.saved":           "Rules saved; they apply at once.",
		"rules.save_error":      "Not saved: ",
		"rules.dry.title":       "Dry run",
		"rules.dry.hint":        "Paste a draft rule (YAML) to see which of the last N messages it would match and what it would do. A dry run changes no message and no rule.",
		"rules.dry.placeholder": "name: urgent\nconditions:\n  keywords: {any: [紧急, urgent]}\nactions: {tags: [urgent], priority: P1}",
		"rules.dry.limit":       "Recent messages",
		"rules.dry.run":         "Run",
		"rules.dry.error":       "The draft is invalid: ",
		"rules.dry.scanned":     "Messages checked",
		"rules.dry.matched":     "matched",
		"rules.dry.none":        "No recent message matches.",
		"rules.dry.col.message": "Message",
		"rules.dry.col.rules":   "Matched rules",
		"rules.dry.col.outcome": "Would",
		"rules.c.every":         "Every message",
		"rules.c.channels":      "Channels",
		"rules.c.channel_kinds": "Channel kinds",
		"rules.c.conversations": "Conversations",
		"rules.c.senders":       "Senders",
		"rules.c.sender_units":  "Sender's department",
		"rules.c.units":         "Department",
		"rules.c.kinds":         "Message types",
		"rules.c.any":           "Any of the keywords",
		"rules.c.all":           "All of the keywords",
		"rules.c.none":          "None of the keywords",
		"rules.c.regex":         "Regex",
		"rules.c.mentions":      "Mentions",
		"rules.c.time":          "Time",
		"rules.a.tags":          "Tag",
		"rules.a.category":      "Category",
		"rules.a.priority":      "Priority",
		"rules.a.urgent":        "Mark urgent",
		"rules.a.route":         "Route to",
		"rules.a.notify_now":    "Notify now",
		"rules.a.digest":        "Digest every",
		"rules.a.task":          "Follow-up task",
		"rules.a.deadline":      "due in",
		"rules.a.retention":     "Retention class",
		"rules.a.confidential":  "Mark confidential",
		"rules.a.auto_reply":    "Auto-reply",
		"rules.a.stop":          "Stop evaluating later rules",
		"rules.route.unit":      "unit",
		"rules.route.role":      "role",
		"rules.route.person":    "person",
		"day.0":                 "Sun",
		"day.1":                 "Mon",
		"day.2":                 "Tue",
		"day.3":                 "Wed",
		"day.4":                 "Thu",
		"day.5":                 "Fri",
		"day.6":                 "Sat",
	},
}

// jsKeys are the strings the browser script needs for rows it builds itself.
var jsKeys = []string{"kind.text", "kind.image", "kind.file", "kind.voice", "kind.video", "kind.card",
	"msg.star", "msg.unstar", "msg.in", "msg.out", "msg.untitled", "inbox.live", "inbox.offline",
	"inbox.new_refresh", "inbox.loading", "inbox.more"}

// langOf picks the request's language from the cookie, defaulting to Chinese.
func langOf(r *http.Request) string {
	if c, err := r.Cookie(LangCookie); err == nil {
		if _, ok := messages[c.Value]; ok {
			return c.Value
		}
	}
	return LangZH
}

// translator returns the lookup function templates call as {{t "key"}}; an
// unknown key fails the render so typos surface in tests instead of as blanks.
func translator(lang string) func(key string) (string, error) {
	dict := messages[lang]
	return func(key string) (string, error) {
		if s, ok := dict[key]; ok {
			return s, nil
		}
		return "", fmt.Errorf("console: no %s string for %q", lang, key)
	}
}

// jsStrings is the subset of a language's strings embedded for the script.
func jsStrings(lang string) map[string]string {
	out := make(map[string]string, len(jsKeys))
	for _, k := range jsKeys {
		out[k] = messages[lang][k]
	}
	return out
}

// setLang stores the chosen language and goes back where the visitor was.
func (c *Console) setLang(w http.ResponseWriter, r *http.Request) {
	lang := r.URL.Query().Get("to")
	if _, ok := messages[lang]; !ok {
		lang = LangZH
	}
	http.SetCookie(w, &http.Cookie{Name: LangCookie, Value: lang, Path: "/", MaxAge: 365 * 24 * 3600,
		SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, localPath(r.URL.Query().Get("next")), http.StatusSeeOther)
}

// localPath keeps redirects on this site: anything that is not a plain
// absolute path ("//evil", "/\evil", "https://…") becomes "/".
func localPath(p string) string {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") {
		return "/"
	}
	return p
}
