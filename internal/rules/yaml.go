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
