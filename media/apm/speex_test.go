//go:build apmspeex

package apm

import "time"

func init() {
	alternatives = append(alternatives,
		alternative{
			name: "speexdsp mdf+preprocess",
			echo: func(d time.Duration) frameProcessor { return newSpeex(d, true) },
		},
		alternative{
			// MDF has no delay estimator: what a wrong device latency does.
			name: "speexdsp, delay reported 0",
			echo: func(time.Duration) frameProcessor { return newSpeex(0, true) },
		})
}
