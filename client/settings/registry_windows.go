//go:build windows

package settings

import (
	"errors"
	"fmt"
	"strings"

	"golang.org/x/sys/windows/registry"
)

// readRegistryPolicy reads HKLM\Software\Policies\Causerie (see
// registryPath). Its entries go through the same checks as a file's.
func readRegistryPolicy() (entries []Entry, problems []Problem, found bool, name string) {
	root, err := registry.OpenKey(registry.LOCAL_MACHINE, `Software\Policies\Causerie`, registry.READ)
	if errors.Is(err, registry.ErrNotExist) {
		return nil, nil, false, registryPath
	}
	if err != nil {
		return nil, []Problem{{Kind: Unreadable, Layer: LayerPolicy, Where: Where{Name: registryPath}, Text: err.Error()}}, true, registryPath
	}
	defer root.Close()
	read := func(k registry.Key, prefix, path string) {
		names, err := k.ReadValueNames(-1)
		if err != nil {
			problems = append(problems, Problem{Kind: Unreadable, Layer: LayerPolicy, Where: Where{Name: path}, Text: err.Error()})
			return
		}
		for _, n := range names {
			key := strings.ToLower(n)
			if prefix != "" {
				key = prefix + "." + key
			}
			where := Where{Name: path + `\` + n}
			if lookup(key) == nil {
				problems = append(problems, Problem{Kind: UnknownKey, Layer: LayerPolicy, Where: where, Key: key, Suggest: suggest(key)})
				continue
			}
			v, err := registryValue(k, n, lookup(key).kind)
			if err != nil {
				problems = append(problems, Problem{Kind: Unreadable, Layer: LayerPolicy, Where: where, Key: key, Text: err.Error()})
				continue
			}
			entries = append(entries, Entry{Key: key, Value: v, Where: where})
		}
	}
	read(root, "", registryPath)
	tables, err := root.ReadSubKeyNames(-1)
	if err != nil {
		problems = append(problems, Problem{Kind: Unreadable, Layer: LayerPolicy, Where: Where{Name: registryPath}, Text: err.Error()})
	}
	for _, t := range tables {
		table := strings.ToLower(t)
		path := registryPath + `\` + t
		if !isTable(table) {
			problems = append(problems, Problem{Kind: UnknownKey, Layer: LayerPolicy, Where: Where{Name: path}, Key: table, Suggest: suggest(table)})
			continue
		}
		k, err := registry.OpenKey(root, t, registry.READ)
		if err != nil {
			problems = append(problems, Problem{Kind: Unreadable, Layer: LayerPolicy, Where: Where{Name: path}, Text: err.Error()})
			continue
		}
		read(k, table, path)
		k.Close()
	}
	return entries, problems, true, registryPath
}

// registryValue reads a value as the key's kind wants it; a value of
// another type is passed on as it is, for the key's check to refuse.
func registryValue(k registry.Key, name string, kind Kind) (any, error) {
	_, typ, err := k.GetValue(name, nil)
	if err != nil {
		return nil, err
	}
	switch typ {
	case registry.SZ, registry.EXPAND_SZ:
		s, _, err := k.GetStringValue(name)
		if err != nil {
			return nil, err
		}
		if kind == KindBool {
			// A GPO template may write "true"/"false" or "1"/"0".
			switch strings.ToLower(strings.TrimSpace(s)) {
			case "true", "1":
				return true, nil
			case "false", "0":
				return false, nil
			}
		}
		return s, nil
	case registry.DWORD, registry.QWORD:
		n, _, err := k.GetIntegerValue(name)
		if err != nil {
			return nil, err
		}
		if kind == KindBool && n <= 1 {
			return n == 1, nil
		}
		return int64(n), nil
	case registry.MULTI_SZ:
		l, _, err := k.GetStringsValue(name)
		if err != nil {
			return nil, err
		}
		return l, nil
	}
	return nil, fmt.Errorf("registry value type %d", typ)
}
