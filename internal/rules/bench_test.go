package rules

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"switchboard/internal/model"
)

// hanChars are common characters; random pairs of them make Chinese
// keywords, and random runs of them make message text, so a 100-character
// message hits about one of 2,000 two-character keywords — as real traffic does.
const hanChars = "的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年得就那要下以生会自着去之过家学对可她里后小么心多天而能好都然没日于起还发成事只作当想看无开手十用主行方又如前所本见经头面公同三已老从动两长知民样现分将外但身些与高意进把法此实回二理美点月明其种声全工己话儿者向情部正名定女问力机给等几很业最间新什打便位因重被走电四第门相次东政海口使教西再平真听世气信北少关并内加化由却代军产入先山五太水万市眼体别处总才场师书比住员九笑性通目华报立马命张活难神数件安表原车白应路期叫死常提感金何更反合放做系计或司利受光王果亲界及今京务制解各任至清物台象记边共风战干接它许八特觉望直服毛林题建南度统色字请交爱让认算论百吃义科怎元社术结六功指思非流每青管夫连远资队跟带花快条院变联言权往展该领传近留红治决周保达办运武半候七必城父强步完革深区即求品士转量空甚众技轻程告江语英基派满式李息写呢识极令黄德收脸钱党倒未持音"

// englishWords is the English vocabulary shared by rules and messages.
var englishWords = strings.Fields(`urgent asap approve approval invoice refund order payment
	delivery contract outage incident server database login password error crash bug feature
	request ticket customer complaint deadline review budget meeting schedule release deploy
	rollback security breach leak audit compliance report quarterly sales marketing discount
	warranty repair replace return shipping tracking delay cancel escalate manager director
	vendor supplier quote purchase license renewal renew upgrade downgrade migrate backup restore`)

// fillerWords are ordinary English words that no rule uses.
var fillerWords = strings.Fields(`please check the status of this thank you for your help we need
	update team today tomorrow morning afternoon document attached see below regards hello hi
	project plan version notes issue question answer call later soon next week follow`)

// benchGen makes reproducible rules and messages.
type benchGen struct {
	rnd *rand.Rand
	han []rune
}

func newBenchGen() *benchGen {
	return &benchGen{rnd: rand.New(rand.NewPCG(1, 2)), han: []rune(hanChars)}
}

func (g *benchGen) hanWord(n int) string {
	w := make([]rune, n)
	for i := range w {
		w[i] = g.han[g.rnd.IntN(len(g.han))]
	}
	return string(w)
}

func (g *benchGen) english() string { return englishWords[g.rnd.IntN(len(englishWords))] }

// rule is a keyword rule like an admin would write: two Chinese keywords,
// in every other rule also an English one, in Any; some add None, All, a channel kind or a regex; a
// few rules have no keywords at all.
func (g *benchGen) rule(i int) Rule {
	r := Rule{ID: int64(i + 1), Name: fmt.Sprintf("rule %d", i), Enabled: true, Position: i,
		Actions: Actions{Tags: []string{fmt.Sprintf("tag%d", i%50)}, Priority: Priorities[i%4]}}
	c := &r.Conditions
	switch p := g.rnd.IntN(100); {
	case p < 5: // a conversation-specific rule
		c.ChannelKinds = []string{"wecom"}
		c.Kinds = []model.MessageKind{model.KindText}
		c.ConversationIDs = []int64{int64(10 + g.rnd.IntN(50))}
		return r
	case p < 10:
		c.Regex = []string{`(?i)\b` + g.english() + `\b`}
	case p < 20:
		c.Keywords.None = []string{g.hanWord(2), "test"}
	case p < 30:
		c.Keywords.All = []string{g.hanWord(2), g.english()}
	case p < 40:
		c.ChannelKinds = []string{"dingtalk", "feishu"}
	}
	c.Keywords.Any = []string{g.hanWord(2), g.hanWord(3)}
	if i%2 == 0 {
		w := g.english()
		c.Keywords.Any = append(c.Keywords.Any, strings.ToUpper(w[:1])+w[1:])
	}
	return r
}

// message is ~100 characters of Chinese with a few English words mixed in.
func (g *benchGen) message(i int) Input {
	var b strings.Builder
	for b.Len() < 240 { // ~80 Han characters (3 bytes) plus English
		b.WriteString(g.hanWord(4 + g.rnd.IntN(8)))
		switch g.rnd.IntN(12) {
		case 0: // one message in four or so names a rule's English keyword
			b.WriteString(" " + strings.ToUpper(g.english()) + " ")
		case 1, 2, 3:
			b.WriteString(" " + fillerWords[g.rnd.IntN(len(fillerWords))] + " ")
		}
		b.WriteString("，")
	}
	in := msg(b.String())
	in.MessageID = int64(i)
	in.ChannelKind = []string{"wecom", "dingtalk", "feishu", "slack"}[i%4]
	return in
}

func benchSet(b *testing.B, n int) (*Set, []Input) {
	g := newBenchGen()
	rules := make([]Rule, n)
	for i := range rules {
		rules[i] = g.rule(i)
	}
	set, err := Compile(rules)
	if err != nil {
		b.Fatal(err)
	}
	msgs := make([]Input, 512)
	for i := range msgs {
		msgs[i] = g.message(i)
	}
	return set, msgs
}

func BenchmarkEvaluate(b *testing.B) {
	for _, n := range []int{10, 100, 1000} {
		b.Run(fmt.Sprintf("rules=%d", n), func(b *testing.B) {
			set, msgs := benchSet(b, n)
			b.ReportAllocs()
			i, matched := 0, 0
			for b.Loop() {
				matched += len(set.Evaluate(msgs[i%len(msgs)]))
				i++
			}
			b.ReportMetric(float64(matched)/float64(i), "matches/msg")
		})
	}
}

func BenchmarkCompile(b *testing.B) {
	g := newBenchGen()
	rules := make([]Rule, 1000)
	for i := range rules {
		rules[i] = g.rule(i)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compile(rules); err != nil {
			b.Fatal(err)
		}
	}
}
