package similar

// Stop words carry no meaning about the problem itself: particles,
// pronouns, politeness and intensifiers. Negations (不, 没, not, no) stay:
// "连不上" and "连得上" are different problems.

var stopChars = set([]rune("的了吗呢吧啊呀哦嘛么我你您他她它们也很都还又就再请是在和与及或把被给让这那有个"))

var stopPhrases = []string{"你好", "您好", "谢谢", "麻烦", "请问", "一下", "什么", "怎么", "为什么", "可以", "一直", "现在", "今天", "非常", "特别", "我们", "你们", "他们",
	// labels of the identifiers dropped from the text (订单号 SB2026…): the case, not the need
	"订单编号", "订单号", "手机号码", "手机号", "电话号码", "联系电话"}

var stopWords = map[string]bool{}

func init() {
	for _, w := range []string{"a", "an", "the", "is", "are", "was", "were", "be", "been", "am", "i", "me", "my", "we", "our",
		"you", "your", "it", "its", "he", "she", "they", "them", "this", "that", "these", "those", "to", "of", "in", "on",
		"at", "for", "with", "and", "or", "but", "so", "do", "does", "did", "have", "has", "had", "can", "could", "would",
		"will", "please", "hi", "hello", "thanks", "thank", "again", "also", "too", "very", "just", "still", "any", "some"} {
		stopWords[w] = true
	}
}

func set(rs []rune) map[rune]bool {
	m := make(map[rune]bool, len(rs))
	for _, r := range rs {
		m[r] = true
	}
	return m
}
