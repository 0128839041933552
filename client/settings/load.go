package settings

import (
	"fmt"
	"reflect"
	"strings"
)

// Layer is where a value comes from. Each layer overrides the ones before
// it; the policy overrides everything and locks what it sets.
type Layer int

const (
	LayerDefault Layer = iota // built into Causerie
	LayerMachine              // the machine's config.toml
	LayerUser                 // the user's config.toml
	LayerFlag                 // the command line
	LayerPolicy               // the machine's policy: locked
)

func (l Layer) String() string {
	switch l {
	case LayerDefault:
		return "default"
	case LayerMachine:
		return "machine"
	case LayerUser:
		return "user"
	case LayerFlag:
		return "flag"
	default:
		return "policy"
	}
}

// Origin is where a key's effective value comes from.
type Origin struct {
	Layer Layer
	// Where is the file and line, registry value or flag; zero for a
	// default.
	Where Where
}

// Flag is a value given on the command line.
type Flag struct {
	Key   string
	Value any // a string or a bool
	// Name is the flag as the user would type it: "--echo-cancel".
	Name string
}

// Options say where Load looks.
type Options struct {
	Paths Paths
	// Flags are the values given on the command line (only those the
	// user gave, not the flags' defaults).
	Flags []Flag
}

// Source is one place Load looked for settings.
type Source struct {
	Layer Layer
	// Name is a file path, or the registry key of the Windows policy.
	Name string
	// Found is false when the file (or key) does not exist.
	Found bool
}

// Effective are the settings in force and how they came to be.
type Effective struct {
	Settings Settings
	// Sources are the files (and registry key) looked at, lowest layer
	// first.
	Sources []Source
	// Problems are everything wrong in them, by layer then line. Values
	// with problems were left out; Load's error says which ones stop a
	// meeting.
	Problems []Problem
	origins  map[string]Origin
}

// Origin is where key's value comes from.
func (e *Effective) Origin(key string) Origin { return e.origins[key] }

// Locked tells whether the policy sets key: the user and flags cannot
// change it.
func (e *Effective) Locked(key string) bool { return e.origins[key].Layer == LayerPolicy }

// Load builds the effective settings: defaults, then the machine file,
// the user file and the flags, then the policy (file, then on Windows the
// registry), whose keys are locked.
//
// Problems in the machine and user files, and unknown keys anywhere, are
// reported in Effective.Problems and the values concerned left out. The
// error is a *PolicyError when the policy cannot be read whole (syntax
// error, bad value, unreadable: the organisation's rules would be
// incomplete, so callers refuse to go on), a *FlagError when a flag's
// value is not acceptable, a *LockedError when a flag tries to change a
// locked key. Effective is complete in every case, for display.
func Load(opts Options) (*Effective, error) {
	e := &Effective{Settings: Defaults(), origins: map[string]Origin{}}
	for _, k := range keys {
		e.origins[k.name] = Origin{Layer: LayerDefault}
	}
	for _, f := range []struct {
		layer Layer
		path  string
	}{{LayerMachine, opts.Paths.Machine}, {LayerUser, opts.Paths.User}} {
		if f.path == "" {
			continue
		}
		entries, problems, found := ParseFile(f.layer, f.path)
		e.Sources = append(e.Sources, Source{Layer: f.layer, Name: f.path, Found: found})
		e.Problems = append(e.Problems, problems...)
		e.apply(f.layer, entries)
	}

	// The policy is read now but applied last, over the flags.
	var policy []Entry
	var policyProblems []Problem
	if opts.Paths.Policy != "" {
		entries, problems, found := ParseFile(LayerPolicy, opts.Paths.Policy)
		e.Sources = append(e.Sources, Source{Layer: LayerPolicy, Name: opts.Paths.Policy, Found: found})
		policy, policyProblems = append(policy, entries...), append(policyProblems, problems...)
	}
	if opts.Paths.PolicyRegistry {
		entries, problems, found, name := readRegistryPolicy()
		e.Sources = append(e.Sources, Source{Layer: LayerPolicy, Name: name, Found: found})
		policy, policyProblems = append(policy, entries...), append(policyProblems, problems...)
	}
	type lockedValue struct {
		v     any
		where Where
	}
	locked := map[string]lockedValue{}
	var lockedOrder []string
	for _, en := range policy {
		d := lookup(en.Key)
		v, ok := d.check(en.Value)
		if !ok {
			policyProblems = append(policyProblems, badValue(LayerPolicy, en, d))
			continue
		}
		if _, again := locked[en.Key]; !again {
			lockedOrder = append(lockedOrder, en.Key)
		}
		locked[en.Key] = lockedValue{v, en.Where} // the registry, read last, wins over the file
	}
	e.Problems = append(e.Problems, policyProblems...)

	var errs []error
	var fatal []Problem
	for _, p := range policyProblems {
		if p.Kind != UnknownKey {
			fatal = append(fatal, p)
		}
	}
	if len(fatal) > 0 {
		errs = append(errs, &PolicyError{Problems: fatal})
	}
	for _, f := range opts.Flags {
		d := lookup(f.Key)
		if d == nil {
			errs = append(errs, fmt.Errorf("settings: flag %s names unknown key %q", f.Name, f.Key))
			continue
		}
		v, ok := d.check(f.Value)
		if !ok {
			errs = append(errs, &FlagError{Flag: f.Name, Key: f.Key, Text: Format(f.Value), Expect: d.expect})
			continue
		}
		if lv, isLocked := locked[f.Key]; isLocked && !reflect.DeepEqual(lv.v, v) {
			errs = append(errs, &LockedError{Flag: f.Name, Key: f.Key, Value: lv.v})
			continue
		}
		d.set(&e.Settings, v)
		e.origins[f.Key] = Origin{Layer: LayerFlag, Where: Where{Name: f.Name}}
	}
	for _, key := range lockedOrder {
		lv := locked[key]
		lookup(key).set(&e.Settings, lv.v)
		e.origins[key] = Origin{Layer: LayerPolicy, Where: lv.where}
	}
	sortProblems(e.Problems)
	if len(errs) > 0 {
		return e, errs[0]
	}
	return e, nil
}

// apply checks a layer's entries and sets the good ones.
func (e *Effective) apply(layer Layer, entries []Entry) {
	for _, en := range entries {
		d := lookup(en.Key)
		v, ok := d.check(en.Value)
		if !ok {
			e.Problems = append(e.Problems, badValue(layer, en, d))
			continue
		}
		d.set(&e.Settings, v)
		e.origins[en.Key] = Origin{Layer: layer, Where: en.Where}
	}
}

func badValue(layer Layer, en Entry, d *keyDef) Problem {
	return Problem{Kind: BadValue, Layer: layer, Where: en.Where, Key: en.Key, Text: Format(en.Value), Expect: d.expect}
}

// Check reads a settings document as `causerie config --check` does: the
// problems of a policy or config file, each with its line, and nothing
// else. A document with no problem is valid in every layer.
func Check(name string, data []byte) []Problem {
	entries, problems := Parse(LayerPolicy, name, data)
	for _, en := range entries {
		d := lookup(en.Key)
		if _, ok := d.check(en.Value); !ok {
			problems = append(problems, badValue(LayerPolicy, en, d))
		}
	}
	sortProblems(problems)
	return problems
}

// PolicyError: the machine policy cannot be read whole. Meetings are
// refused until it is fixed, so that a typo never lifts a restriction.
type PolicyError struct {
	Problems []Problem
}

func (e *PolicyError) Error() string {
	msgs := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		msgs[i] = p.Error()
	}
	return "settings: the policy is invalid: " + strings.Join(msgs, "; ")
}

// MessageKey names the sentence that explains it (i18n).
func (e *PolicyError) MessageKey() string { return "settings.error.policy_invalid" }

// FlagError: a flag's value is not one its key accepts.
type FlagError struct {
	Flag, Key, Text string
	Expect          Expect
}

func (e *FlagError) Error() string {
	return fmt.Sprintf("settings: %s %s: expected %s", e.Flag, e.Text, e.Expect)
}

// MessageKey names the sentence that explains it (i18n).
func (e *FlagError) MessageKey() string { return "settings.error.bad_flag" }

// LockedError: a flag tries to change a key the policy locks.
type LockedError struct {
	Flag, Key string
	// Value is the policy's.
	Value any
}

func (e *LockedError) Error() string {
	return fmt.Sprintf("settings: %s cannot change %s, set to %s by the organisation's policy", e.Flag, e.Key, Format(e.Value))
}

// MessageKey names the sentence that explains it (i18n).
func (e *LockedError) MessageKey() string { return "settings.error.locked" }
