package settings

// registryPath is where Group Policy puts Causerie's policy on Windows.
// Each table is a subkey (meetings, media, …) and each key a value in it:
// REG_SZ for text, REG_DWORD (0 or 1) for true and false, REG_MULTI_SZ
// for lists. A value named with the whole dotted key
// (meetings.allowed_hosts) directly under the key is read too.
const registryPath = `HKLM\Software\Policies\Causerie`
