package settings

import (
	"errors"
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/pelletier/go-toml/v2/unstable"
)

// Where is the place a value was read from: a file and its line, a
// Windows registry value, or a command-line flag.
type Where struct {
	// Name is a file path, a registry path or a flag ("--name").
	Name string
	// Line counts from 1; 0 when Name has no lines.
	Line int
}

func (w Where) String() string {
	if w.Line > 0 {
		return w.Name + ":" + strconv.Itoa(w.Line)
	}
	return w.Name
}

// Entry is one key and its value as a source gives it, before checking.
type Entry struct {
	Key string
	// Value is a string, bool, int64, float64, []any of those, a
	// Datetime, or an InlineTable inside an array.
	Value any
	Where Where
}

// Datetime is a TOML date or time, which no key takes; kept as written.
type Datetime string

// InlineTable stands for an inline table where a key wants a plain value.
type InlineTable struct{}

// ProblemKind sorts what can be wrong in a settings source.
type ProblemKind int

const (
	// Syntax: the file is not TOML; none of it is used.
	Syntax ProblemKind = iota
	// UnknownKey: no such key (or table) in the model; it is ignored.
	UnknownKey
	// BadValue: the key exists but the value is of the wrong type or out
	// of range; the value is ignored.
	BadValue
	// Duplicate: a key or table given twice; the second is ignored.
	Duplicate
	// Unreadable: the file exists but could not be read.
	Unreadable
)

// Problem is one thing wrong in a settings source.
type Problem struct {
	Kind  ProblemKind
	Layer Layer
	Where Where
	// Key is the dotted key concerned (for Syntax and Unreadable, empty).
	Key string
	// Text is the value as read (BadValue), the parser's message (Syntax)
	// or the system's error (Unreadable).
	Text string
	// Expect is what the key accepts (BadValue).
	Expect Expect
	// Suggest is a known key close to an unknown one (UnknownKey), or "".
	Suggest string
	// First is the line where a duplicated key was first given.
	First int
}

// Error describes the problem in English, for logs and tests; front ends
// show a translated sentence built from the fields.
func (p Problem) Error() string {
	switch p.Kind {
	case Syntax:
		return fmt.Sprintf("%s: not valid TOML: %s", p.Where, p.Text)
	case UnknownKey:
		if p.Suggest != "" {
			return fmt.Sprintf("%s: unknown key %q (did you mean %q?)", p.Where, p.Key, p.Suggest)
		}
		return fmt.Sprintf("%s: unknown key %q", p.Where, p.Key)
	case BadValue:
		return fmt.Sprintf("%s: bad value %s for %s (expected %s)", p.Where, p.Text, p.Key, p.Expect)
	case Duplicate:
		return fmt.Sprintf("%s: %s is given twice (first at line %d)", p.Where, p.Key, p.First)
	default:
		return fmt.Sprintf("%s: cannot be read: %s", p.Where, p.Text)
	}
}

// String is the English description of what a key accepts.
func (e Expect) String() string {
	switch e.What {
	case "bool":
		return "true or false"
	case "one_of":
		return "one of " + strings.Join(e.Values, ", ")
	case "hosts":
		return `a list of host names, such as ["visio.numerique.gouv.fr", "*.example.org"]`
	case "host":
		return "a host name, such as visio.numerique.gouv.fr"
	case "proxy":
		return "a proxy address: http://host:port, https://… or socks5://…"
	case "path":
		return "an absolute path"
	case "device":
		return "test, none, default or a device's name"
	default:
		return "a text without control characters, at most 255 characters"
	}
}

// ParseFile reads a settings file. A missing file is no problem: found is
// false and there is nothing in it.
func ParseFile(layer Layer, path string) (entries []Entry, problems []Problem, found bool) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil, false
	}
	if err != nil {
		return nil, []Problem{{Kind: Unreadable, Layer: layer, Where: Where{Name: path}, Text: errText(err)}}, true
	}
	entries, problems = Parse(layer, path, data)
	return entries, problems, true
}

// errText is an OS error without the path, which the message already
// names.
func errText(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// Parse reads a settings document named name (for messages). It returns
// the entries of known keys, unchecked, and the problems: unknown keys and
// tables, keys given twice, and a syntax error, after which nothing of the
// document is used (TOML has no partial documents).
func Parse(layer Layer, name string, data []byte) ([]Entry, []Problem) {
	r := reader{layer: layer, name: name, data: data, seen: map[string]int{}}
	var p unstable.Parser
	p.Reset(data)
	for p.NextExpression() {
		r.expression(&p, p.Expression())
	}
	if err := p.Error(); err != nil {
		r.problem(Problem{Kind: Syntax, Where: Where{Name: name, Line: r.errorLine(err)}, Text: err.Error()})
		return nil, r.problems
	}
	return r.entries, r.problems
}

type reader struct {
	layer    Layer
	name     string
	data     []byte
	entries  []Entry
	problems []Problem
	// seen maps each key and table header given to its line.
	seen map[string]int
	// table is the current [table]; skip is set under an unknown one,
	// whose keys are not reported one by one.
	table string
	skip  bool
}

func (r *reader) problem(p Problem) {
	p.Layer = r.layer
	r.problems = append(r.problems, p)
}

func (r *reader) expression(p *unstable.Parser, e *unstable.Node) {
	switch e.Kind {
	case unstable.Table, unstable.ArrayTable:
		name, line := r.key(p, e.Key())
		r.table, r.skip = name, false
		if e.Kind == unstable.ArrayTable || !isTable(name) {
			r.problem(Problem{Kind: UnknownKey, Where: Where{Name: r.name, Line: line}, Key: name, Suggest: suggest(name)})
			r.skip = true
			return
		}
		if first, dup := r.seen["["+name+"]"]; dup {
			r.problem(Problem{Kind: Duplicate, Where: Where{Name: r.name, Line: line}, Key: "[" + name + "]", First: first})
		}
		r.seen["["+name+"]"] = line
	case unstable.KeyValue:
		if r.skip {
			return
		}
		r.keyValue(p, e, r.table)
	}
}

// keyValue reads key = value under prefix; an inline table's keys are
// read as if dotted.
func (r *reader) keyValue(p *unstable.Parser, e *unstable.Node, prefix string) {
	name, _ := r.key(p, e.Key())
	if prefix != "" {
		name = prefix + "." + name
	}
	line := p.Shape(e.Raw).Start.Line
	v := e.Value()
	if v.Kind == unstable.InlineTable {
		if !isTable(name) {
			r.problem(Problem{Kind: UnknownKey, Where: Where{Name: r.name, Line: line}, Key: name, Suggest: suggest(name)})
			return
		}
		it := v.Children()
		for it.Next() {
			if c := it.Node(); c.Kind == unstable.KeyValue {
				r.keyValue(p, c, name)
			}
		}
		return
	}
	if lookup(name) == nil {
		r.problem(Problem{Kind: UnknownKey, Where: Where{Name: r.name, Line: line}, Key: name, Suggest: suggest(name)})
		return
	}
	if first, dup := r.seen[name]; dup {
		r.problem(Problem{Kind: Duplicate, Where: Where{Name: r.name, Line: line}, Key: name, First: first})
		return
	}
	r.seen[name] = line
	r.entries = append(r.entries, Entry{Key: name, Value: value(v), Where: Where{Name: r.name, Line: line}})
}

// key joins a dotted key's parts and tells the line it starts on.
func (r *reader) key(p *unstable.Parser, it unstable.Iterator) (string, int) {
	var parts []string
	line := 0
	for it.Next() {
		n := it.Node()
		if line == 0 {
			line = p.Shape(n.Raw).Start.Line
		}
		parts = append(parts, string(n.Data))
	}
	return strings.Join(parts, "."), line
}

// errorLine is the line a parser error points at.
func (r *reader) errorLine(err error) int {
	var pe *unstable.ParserError
	if !errors.As(err, &pe) {
		return 0
	}
	off := len(r.data)
	if h := pe.Highlight; h != nil {
		// The highlight is a piece of the document: its distance from the
		// end of the shared array is its offset from the end of data.
		if o := cap(r.data) - cap(h); o >= 0 && o <= len(r.data) {
			off = o
		}
	}
	return 1 + strings.Count(string(r.data[:off]), "\n")
}

// value turns a value node into Go: string, bool, int64, float64, []any,
// Datetime or InlineTable.
func value(n *unstable.Node) any {
	switch n.Kind {
	case unstable.String:
		return string(n.Data)
	case unstable.Bool:
		return string(n.Data) == "true"
	case unstable.Integer:
		s := strings.ReplaceAll(string(n.Data), "_", "")
		if i, err := strconv.ParseInt(s, 0, 64); err == nil {
			return i
		}
		return Datetime(n.Data) // out of range: kept as written
	case unstable.Float:
		s := strings.ReplaceAll(string(n.Data), "_", "")
		switch strings.TrimLeft(s, "+-") {
		case "inf":
			if strings.HasPrefix(s, "-") {
				return math.Inf(-1)
			}
			return math.Inf(1)
		case "nan":
			return math.NaN()
		}
		f, _ := strconv.ParseFloat(s, 64)
		return f
	case unstable.Array:
		out := []any{}
		it := n.Children()
		for it.Next() {
			if c := it.Node(); c.Kind != unstable.Comment {
				out = append(out, value(c))
			}
		}
		return out
	case unstable.InlineTable:
		return InlineTable{}
	default:
		return Datetime(n.Data)
	}
}

// Format writes a value as TOML does: "text", true, ["a", "b"].
func Format(v any) string {
	switch v := v.(type) {
	case string:
		return strconv.Quote(v)
	case bool:
		return strconv.FormatBool(v)
	case int64:
		return strconv.FormatInt(v, 10)
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64)
	case Datetime:
		return string(v)
	case InlineTable:
		return "{…}"
	case []string:
		parts := make([]string, len(v))
		for i, s := range v {
			parts[i] = strconv.Quote(s)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case []any:
		parts := make([]string, len(v))
		for i, e := range v {
			parts[i] = Format(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	return fmt.Sprint(v)
}

// sortProblems orders problems by source, then line.
func sortProblems(ps []Problem) {
	slices.SortStableFunc(ps, func(a, b Problem) int {
		if a.Layer != b.Layer {
			return int(a.Layer) - int(b.Layer)
		}
		if a.Where.Name != b.Where.Name {
			return strings.Compare(a.Where.Name, b.Where.Name)
		}
		return a.Where.Line - b.Where.Line
	})
}
