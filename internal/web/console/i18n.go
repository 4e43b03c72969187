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
		"html.lang":         "zh-CN",
		"app.name":          "Switchboard 统一消息",
		"nav.inbox":         "收件箱",
		"nav.logout":        "退出登录",
		"nav.signed_in_as":  "当前用户",
		"lang.other":        "English",
		"lang.other_code":   "en",
		"login.title":       "登录",
		"login.subtitle":    "所有平台的消息，一处查看",
		"login.login":       "账号",
		"login.password":    "密码",
		"login.submit":      "登录",
		"login.error":       "账号或密码错误，请重试。",
		"login.disabled":    "该账号已停用，请联系管理员。",
		"inbox.title":       "统一收件箱",
		"inbox.empty":       "没有符合条件的消息。",
		"inbox.more":        "加载更多",
		"inbox.loading":     "加载中…",
		"inbox.new_refresh": "有新消息，点击刷新查看",
		"inbox.live":        "实时",
		"inbox.offline":     "连接中断，正在重连…",
		"inbox.bad_filter":  "筛选条件无效：",
		"filter.channel":    "渠道",
		"filter.kind":       "类型",
		"filter.dept":       "部门",
		"filter.tag":        "标签",
		"filter.tag_ph":     "如：紧急",
		"filter.q":          "搜索",
		"filter.q_ph":       "搜索消息（中文或英文）",
		"filter.all":        "全部",
		"filter.apply":      "筛选",
		"filter.reset":      "清除",
		"kind.text":         "文本",
		"kind.image":        "图片",
		"kind.file":         "文件",
		"kind.voice":        "语音",
		"kind.video":        "视频",
		"kind.card":         "卡片",
		"msg.star":          "加星标",
		"msg.unstar":        "取消星标",
		"msg.in":            "收到",
		"msg.out":           "已发出",
		"msg.untitled":      "未命名会话",
		"msg.open":          "查看会话",
		"conv.title":        "会话",
		"conv.back":         "← 返回收件箱",
		"conv.earlier":      "查看更早的消息",
		"conv.empty":        "该会话还没有消息。",
		"conv.attachments":  "附件",
		"conv.reply":        "回复",
		"conv.reply_ph":     "输入回复内容，将通过原渠道发送给对方…",
		"conv.send":         "发送",
		"conv.reply_empty":  "回复内容不能为空。",
		"conv.reply_failed": "发送失败：",
		"conv.messages":     "条消息",
		"forbidden.title":   "没有权限",
		"forbidden.body":    "您没有权限查看该内容，它属于其他部门。如需访问，请联系部门主管或管理员申请授权。本次访问已记入审计日志。",
		"notfound.title":    "未找到",
		"notfound.body":     "该页面或会话不存在，可能已被删除。",
		"csrf.title":        "表单已失效",
		"csrf.body":         "为保护您的账号，该请求已被拒绝。请返回页面刷新后重试。",
		"error.title":       "出错了",
		"error.body":        "服务器暂时无法完成请求，请稍后重试。",
		"error.back":        "返回收件箱",
		"time.just_now":     "刚刚",
		"footer.text":       "Switchboard · 需求不再“掉线”",
	},
	LangEN: {
		"html.lang":         "en",
		"app.name":          "Switchboard Unified Inbox",
		"nav.inbox":         "Inbox",
		"nav.logout":        "Sign out",
		"nav.signed_in_as":  "Signed in as",
		"lang.other":        "中文",
		"lang.other_code":   "zh",
		"login.title":       "Sign in",
		"login.subtitle":    "Every platform's messages in one place",
		"login.login":       "Login",
		"login.password":    "Password",
		"login.submit":      "Sign in",
		"login.error":       "Wrong login or password. Please try again.",
		"login.disabled":    "This account is disabled. Please contact an administrator.",
		"inbox.title":       "Unified inbox",
		"inbox.empty":       "No messages match.",
		"inbox.more":        "Load more",
		"inbox.loading":     "Loading…",
		"inbox.new_refresh": "New messages — click to refresh",
		"inbox.live":        "Live",
		"inbox.offline":     "Connection lost, reconnecting…",
		"inbox.bad_filter":  "Invalid filter: ",
		"filter.channel":    "Channel",
		"filter.kind":       "Type",
		"filter.dept":       "Department",
		"filter.tag":        "Tag",
		"filter.tag_ph":     "e.g. urgent",
		"filter.q":          "Search",
		"filter.q_ph":       "Search messages (Chinese or English)",
		"filter.all":        "All",
		"filter.apply":      "Filter",
		"filter.reset":      "Clear",
		"kind.text":         "Text",
		"kind.image":        "Image",
		"kind.file":         "File",
		"kind.voice":        "Voice",
		"kind.video":        "Video",
		"kind.card":         "Card",
		"msg.star":          "Star",
		"msg.unstar":        "Unstar",
		"msg.in":            "Received",
		"msg.out":           "Sent",
		"msg.untitled":      "Untitled conversation",
		"msg.open":          "Open conversation",
		"conv.title":        "Conversation",
		"conv.back":         "← Back to inbox",
		"conv.earlier":      "Show earlier messages",
		"conv.empty":        "No messages in this conversation yet.",
		"conv.attachments":  "Attachments",
		"conv.reply":        "Reply",
		"conv.reply_ph":     "Type a reply; it is sent through the original channel…",
		"conv.send":         "Send",
		"conv.reply_empty":  "The reply is empty.",
		"conv.reply_failed": "Sending failed: ",
		"conv.messages":     "messages",
		"forbidden.title":   "No permission",
		"forbidden.body":    "You do not have permission to view this; it belongs to another department. Ask your department head or an administrator for access. This attempt has been recorded in the audit log.",
		"notfound.title":    "Not found",
		"notfound.body":     "This page or conversation does not exist; it may have been deleted.",
		"csrf.title":        "Form expired",
		"csrf.body":         "To protect your account this request was refused. Go back, reload the page and try again.",
		"error.title":       "Something went wrong",
		"error.body":        "The server could not complete the request. Please try again later.",
		"error.back":        "Back to inbox",
		"time.just_now":     "just now",
		"footer.text":       "Switchboard · no request drops off the line",
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
