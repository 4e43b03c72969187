package rules

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"

	"gopkg.in/yaml.v3"
)

// file is the YAML document: a top-level "rules" list leaves room for
// later keys without breaking old files.
type file struct {
	Rules []Rule `yaml:"rules"`
}

// MarshalYAML exports rules, ordered by Position, as a YAML document
// `rules: [...]` that UnmarshalYAML reads back.
func MarshalYAML(rules []Rule) ([]byte, error) {
	sorted := slices.Clone(rules)
	slices.SortStableFunc(sorted, func(a, b Rule) int { return a.Position - b.Position })
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(file{Rules: sorted}); err != nil {
		return nil, fmt.Errorf("rules: encode yaml: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("rules: encode yaml: %w", err)
	}
	return buf.Bytes(), nil
}

// UnmarshalYAML imports a rules document and validates every rule (errors
// are *ValidationError, or a YAML error with its line). Unknown keys are
// refused, since a misspelt condition would otherwise widen the rule
// silently. A rule without an "enabled" key is enabled, and when no rule
// sets "position" the list order gives positions 1, 2, 3….
func UnmarshalYAML(data []byte) ([]Rule, error) {
	var f file
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("rules: yaml: %w", err)
	}
	// A second, lenient pass sees which keys were absent, which the
	// strict decode into plain bools and ints cannot tell from false and 0.
	var present struct {
		Rules []struct {
			Enabled  *bool `yaml:"enabled"`
			Position *int  `yaml:"position"`
		} `yaml:"rules"`
	}
	if err := yaml.Unmarshal(data, &present); err != nil {
		return nil, fmt.Errorf("rules: yaml: %w", err)
	}
	anyPosition := false
	for i := range f.Rules {
		if present.Rules[i].Enabled == nil {
			f.Rules[i].Enabled = true
		}
		anyPosition = anyPosition || present.Rules[i].Position != nil
	}
	for i := range f.Rules {
		if !anyPosition {
			f.Rules[i].Position = i + 1
		}
	}
	if err := validateList(f.Rules); err != nil {
		return nil, err
	}
	return f.Rules, nil
}

// UnmarshalDraftYAML reads the draft rules of a dry run: either a document
// as UnmarshalYAML reads it, or one rule's mapping on its own (what an admin
// pastes to try a single rule), decoded as strictly and with its own line
// numbers. Drafts are enabled whatever they say: a dry run of a disabled
// rule would show nothing.
func UnmarshalDraftYAML(data []byte) ([]Rule, error) {
	var probe yaml.Node
	if err := yaml.Unmarshal(data, &probe); err != nil {
		return nil, fmt.Errorf("rules: yaml: %w", err)
	}
	if len(probe.Content) != 1 || probe.Content[0].Kind != yaml.MappingNode || hasKey(probe.Content[0], "rules") {
		rs, err := UnmarshalYAML(data)
		for i := range rs {
			rs[i].Enabled = true
		}
		return rs, err
	}
	var r Rule
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("rules: yaml: %w", err)
	}
	r.Enabled = true
	if err := Validate(r); err != nil {
		return nil, err
	}
	return []Rule{r}, nil
}

// hasKey reports whether mapping node m has key k at its top level.
func hasKey(m *yaml.Node, k string) bool {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == k {
			return true
		}
	}
	return false
}
