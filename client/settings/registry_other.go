//go:build !windows

package settings

// readRegistryPolicy: only Windows has a registry.
func readRegistryPolicy() (entries []Entry, problems []Problem, found bool, name string) {
	return nil, nil, false, registryPath
}
