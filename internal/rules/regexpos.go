package rules

import (
	"errors"
	"regexp"
	"regexp/syntax"
	"strings"
	"sync"
	"time"
)

// validateRegex compiles p and, on failure, reports where in p the error is,
// so the console can put the cursor on it.
func validateRegex(field, p string) *ValidationError {
	if p == "" {
		return fieldErr(field, "must not be empty")
	}
	if len(p) > MaxRegexLen {
		return fieldErr(field, "longer than %d bytes", MaxRegexLen)
	}
	_, err := regexp.Compile(p)
	if err == nil {
		return nil
	}
	e := fieldErr(field, "%v", err)
	var se *syntax.Error
	if errors.As(err, &se) {
		e.Msg = string(se.Code)
		e.Pos = regexErrorPos(p, se)
	}
	return e
}

// regexErrorPos finds the byte offset of a syntax error. syntax.Error only
// carries the offending text (Expr), which for parenthesis errors is the
// whole pattern, so those are located by scanning for the unbalanced paren.
// Other errors are located at the first occurrence of Expr whose prefix
// reproduces the same error: the parser stops at the first error from the
// left, so an earlier harmless occurrence (e.g. "**" inside [**]) is skipped.
func regexErrorPos(p string, se *syntax.Error) int {
	switch se.Code {
	case syntax.ErrMissingParen, syntax.ErrUnexpectedParen:
		open, stray := scanParens(p)
		if se.Code == syntax.ErrUnexpectedParen && stray >= 0 {
			return stray
		}
		if se.Code == syntax.ErrMissingParen && open >= 0 {
			return open
		}
	case syntax.ErrTrailingBackslash:
		return len(p) - 1
	}
	if se.Expr == "" {
		return 0
	}
	first := -1
	for off := 0; ; {
		i := strings.Index(p[off:], se.Expr)
		if i < 0 {
			break
		}
		at := off + i
		if first < 0 {
			first = at
		}
		var pe *syntax.Error
		_, err := syntax.Parse(p[:at+len(se.Expr)], syntax.Perl)
		if errors.As(err, &pe) && pe.Code == se.Code && pe.Expr == se.Expr {
			return at
		}
		off = at + 1
	}
	return max(first, 0)
}

// scanParens returns the offset of the innermost '(' left open at the end
// and of the first ')' that closes nothing (-1 when none), skipping escapes,
// \Q…\E literals and character classes the way RE2 syntax reads them.
func scanParens(p string) (open, stray int) {
	var stack []int
	stray = -1
	for i := 0; i < len(p); i++ {
		switch p[i] {
		case '\\':
			i = skipEscape(p, i)
		case '[':
			i = skipClass(p, i)
		case '(':
			stack = append(stack, i)
		case ')':
			if len(stack) == 0 {
				if stray < 0 {
					stray = i
				}
				continue
			}
			stack = stack[:len(stack)-1]
		}
	}
	if len(stack) == 0 {
		return -1, stray
	}
	return stack[len(stack)-1], stray
}

// skipEscape returns the index of the last byte of the escape starting at i.
func skipEscape(p string, i int) int {
	if i+1 < len(p) && p[i+1] == 'Q' {
		if j := strings.Index(p[i+2:], `\E`); j >= 0 {
			return i + 2 + j + 1
		}
		return len(p) - 1
	}
	return i + 1
}

// skipClass returns the index of the ']' closing the class opened at i (or
// the end): a ']' right after '[' or '[^' is a literal, and [:name:] nests.
func skipClass(p string, i int) int {
	j := i + 1
	if j < len(p) && p[j] == '^' {
		j++
	}
	if j < len(p) && p[j] == ']' {
		j++
	}
	for ; j < len(p); j++ {
		switch {
		case p[j] == '\\':
			j++
		case strings.HasPrefix(p[j:], "[:"):
			if k := strings.Index(p[j+2:], ":]"); k >= 0 {
				j += 2 + k + 1
			}
		case p[j] == ']':
			return j
		}
	}
	return len(p) - 1
}

var (
	locMu    sync.Mutex
	locCache = map[string]*time.Location{}
)

// loadLocation resolves a time zone name ("" means DefaultTZ), caching the
// result. When the host has no zoneinfo, DefaultTZ still works as the fixed
// UTC+8 that China has observed without daylight saving since 1991.
func loadLocation(name string) (*time.Location, error) {
	if name == "" {
		name = DefaultTZ
	}
	locMu.Lock()
	defer locMu.Unlock()
	if l, ok := locCache[name]; ok {
		return l, nil
	}
	l, err := time.LoadLocation(name)
	if err != nil && name == DefaultTZ {
		l, err = time.FixedZone("CST", 8*3600), nil
	}
	if err != nil {
		return nil, err
	}
	locCache[name] = l
	return l, nil
}
