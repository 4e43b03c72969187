package rules

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// automaton is an Aho–Corasick matcher over the bytes of lower-cased UTF-8.
// Working on bytes rather than runes keeps the transition alphabet at 256 and
// is still exact for Chinese: a UTF-8 encoded keyword can only match at rune
// boundaries of valid text, because no rune's encoding starts inside another's.
//
// It is built as a trie with fail links, then turned into a DFA (fail links
// folded into a dense table over byte classes) so a scan costs one table
// load per byte. The table has states × classes entries — 11,500 × 94
// (about 2 MB) for 1,000 rules with 2,600 Chinese/English keywords; past
// maxDFA entries the trie with fail links is used directly, slower but small.
type automaton struct {
	root    [256]int32 // transitions out of the root, dense because every scan returns there
	nodes   []acNode
	edges   []acEdge  // per node, edges[first:first+n] sorted by byte
	classOf [256]byte // byte → column of the DFA; 0 for bytes in no keyword, A–Z as a–z
	nClass  int
	// The DFA, delta[state*nClass+class], in 16 bits when the states fit, to
	// halve the table and its cache misses; both nil when too large.
	delta16 []uint16
	delta32 []int32
	emits   []bool // state reports a keyword, so the scan skips nodes[] otherwise
}

// maxDFA bounds the DFA table: 16M entries, 32–64 MB.
const maxDFA = 1 << 24

// acNode is one trie state.
type acNode struct {
	first, n uint32
	fail     int32 // longest proper suffix that is also a trie state
	out      int32 // keyword ending here, or -1
	dict     int32 // nearest state on the fail chain with out >= 0, or -1
}

// acEdge is one trie transition.
type acEdge struct {
	b    byte
	next int32
}

// buildAutomaton builds the matcher for already lower-cased, distinct keywords;
// keyword i is reported as i.
func buildAutomaton(keywords []string) *automaton {
	children := []map[byte]int32{{}}
	out := []int32{-1}
	for id, kw := range keywords {
		s := int32(0)
		for i := 0; i < len(kw); i++ {
			next, ok := children[s][kw[i]]
			if !ok {
				next = int32(len(children))
				children = append(children, map[byte]int32{})
				out = append(out, -1)
				children[s][kw[i]] = next
			}
			s = next
		}
		out[s] = int32(id)
	}
	a := &automaton{nodes: make([]acNode, len(children))}
	for s, m := range children {
		keys := make([]byte, 0, len(m))
		for b := range m {
			keys = append(keys, b)
		}
		slices.Sort(keys)
		a.nodes[s] = acNode{first: uint32(len(a.edges)), n: uint32(len(keys)), out: out[s], dict: -1}
		for _, b := range keys {
			a.edges = append(a.edges, acEdge{b: b, next: m[b]})
		}
	}
	a.link()
	a.densify()
	return a
}

// densify builds the DFA table. Each byte used by a keyword gets its own
// class; upper-case ASCII shares the class of its lower case, which is what
// makes the scan case-insensitive for ASCII without copying the text.
func (a *automaton) densify() {
	a.nClass = 1
	for _, e := range a.edges {
		if a.classOf[e.b] == 0 {
			a.classOf[e.b] = byte(a.nClass)
			a.nClass++
		}
	}
	if a.nClass > 255 || len(a.nodes)*a.nClass > maxDFA {
		a.nClass, a.classOf = 0, [256]byte{}
		return
	}
	for c := 'A'; c <= 'Z'; c++ {
		a.classOf[c] = a.classOf[c+'a'-'A']
	}
	a.fillDFA()
}

// fillDFA allocates the table and fills each state's row.
func (a *automaton) fillDFA() {
	a.emits = make([]bool, len(a.nodes))
	if len(a.nodes) <= 1<<16 {
		a.delta16 = make([]uint16, len(a.nodes)*a.nClass)
	} else {
		a.delta32 = make([]int32, len(a.nodes)*a.nClass)
	}
	row := make([]int32, a.nClass)
	// Breadth first, so the fail state's row is final before it is copied:
	// O(states × classes), where stepping fail chains per entry is not.
	queue := []int32{0}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		n := &a.nodes[s]
		a.emits[s] = n.out >= 0 || n.dict >= 0
		if s != 0 {
			a.row(n.fail, row)
		} else {
			clear(row)
		}
		for _, e := range a.children(s) {
			row[a.classOf[e.b]] = e.next
			queue = append(queue, e.next)
		}
		a.setRow(s, row)
	}
}

// row reads state s's DFA row into dst.
func (a *automaton) row(s int32, dst []int32) {
	base := int(s) * a.nClass
	for c := range dst {
		if a.delta16 != nil {
			dst[c] = int32(a.delta16[base+c])
		} else {
			dst[c] = a.delta32[base+c]
		}
	}
}

// setRow writes state s's DFA row.
func (a *automaton) setRow(s int32, src []int32) {
	base := int(s) * a.nClass
	for c, t := range src {
		if a.delta16 != nil {
			a.delta16[base+c] = uint16(t)
		} else {
			a.delta32[base+c] = t
		}
	}
}

// link fills the root table and the fail and dict links, breadth first so a
// state's suffixes are done before the state itself.
func (a *automaton) link() {
	queue := make([]int32, 0, len(a.nodes))
	for _, e := range a.children(0) {
		a.root[e.b] = e.next
		queue = append(queue, e.next)
	}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		for _, e := range a.children(s) {
			f := a.step(a.nodes[s].fail, e.b)
			a.nodes[e.next].fail = f
			if a.nodes[f].out >= 0 {
				a.nodes[e.next].dict = f
			} else {
				a.nodes[e.next].dict = a.nodes[f].dict
			}
			queue = append(queue, e.next)
		}
	}
}

// children returns the sorted transitions of state s.
func (a *automaton) children(s int32) []acEdge {
	n := &a.nodes[s]
	return a.edges[n.first : n.first+n.n]
}

// next follows the trie edge for b out of s, or returns -1.
func (a *automaton) next(s int32, b byte) int32 {
	es := a.children(s)
	if len(es) > 8 {
		i, ok := slices.BinarySearchFunc(es, b, func(e acEdge, b byte) int { return int(e.b) - int(b) })
		if ok {
			return es[i].next
		}
		return -1
	}
	for _, e := range es {
		if e.b == b {
			return e.next
		}
		if e.b > b {
			break
		}
	}
	return -1
}

// step is the automaton's transition: trie edge, else retry from the fail state.
func (a *automaton) step(s int32, b byte) int32 {
	for s != 0 {
		if t := a.next(s, b); t >= 0 {
			return t
		}
		s = a.nodes[s].fail
	}
	return a.root[b]
}

// scan reports every keyword occurrence in text, which must already be
// folded by foldText; hit may see the same keyword more than once.
func (a *automaton) scan(text string, hit func(kw int32)) {
	switch {
	case a.delta16 != nil:
		scanDFA(a, a.delta16, text, hit)
	case a.delta32 != nil:
		scanDFA(a, a.delta32, text, hit)
	default:
		a.scanTrie(text, hit)
	}
}

// scanDFA is the fast scan: one table load per byte.
func scanDFA[T uint16 | int32](a *automaton, delta []T, text string, hit func(kw int32)) {
	s := 0
	for i := 0; i < len(text); i++ {
		s = int(delta[s*a.nClass+int(a.classOf[text[i]])])
		if a.emits[s] {
			a.emit(int32(s), hit)
		}
	}
}

// scanTrie is the fallback scan over the trie and its fail links.
func (a *automaton) scanTrie(text string, hit func(kw int32)) {
	s := int32(0)
	for i := 0; i < len(text); i++ {
		s = a.step(s, asciiLower[text[i]])
		a.emit(s, hit)
	}
}

// emit reports the keyword ending at state s and those that are its suffixes.
func (a *automaton) emit(s int32, hit func(kw int32)) {
	if out := a.nodes[s].out; out >= 0 {
		hit(out)
	}
	for d := a.nodes[s].dict; d >= 0; d = a.nodes[d].dict {
		hit(a.nodes[d].out)
	}
}

// asciiLower folds A–Z during the scan, so ASCII text needs no copy.
var asciiLower = func() (t [256]byte) {
	for i := range t {
		t[i] = byte(i)
		if i >= 'A' && i <= 'Z' {
			t[i] = byte(i) + 'a' - 'A'
		}
	}
	return t
}()

// foldText returns text in a form whose bytes, after ASCII folding in scan,
// equal strings.ToLower(text). Most messages have no non-ASCII upper case
// (Chinese has no case), so the copy strings.ToLower would make is skipped,
// and the common CJK runes are stepped over without a case-table lookup.
func foldText(text string) string {
	for i := 0; i < len(text); {
		c := text[i]
		switch {
		case c < utf8.RuneSelf:
			i++
			continue
		case caselessLead(c) && i+2 < len(text) && text[i+1]&0xC0 == 0x80 && text[i+2]&0xC0 == 0x80:
			i += 3 // U+3000–U+9FFF or U+B000–U+CFFF: CJK, kana, Hangul; no case
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		if (r == utf8.RuneError && size == 1) || unicode.ToLower(r) != r {
			return strings.ToLower(text)
		}
		i += size
	}
	return text
}

// caselessLead reports whether c leads a 3-byte UTF-8 sequence in a block
// where unicode.ToLower changes nothing (checked exhaustively in a test).
func caselessLead(c byte) bool { return (c >= 0xE3 && c <= 0xE9) || c == 0xEB || c == 0xEC }
