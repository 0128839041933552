package media

import (
	"context"
	"time"
)

// VideoSource produces pictures: a camera, a screen, a synthetic pattern.
// ReadFrame blocks until the next picture is captured, draws it into dst
// (resizing dst as needed, reusing its memory) and returns when it was
// captured. It returns ctx.Err() once ctx ends.
type VideoSource interface {
	ReadFrame(ctx context.Context, dst *I420) (time.Time, error)
}

// AudioSource produces 48 kHz mono PCM. ReadFrame blocks until len(pcm)
// samples are captured, fills pcm and returns when the first of them was
// captured. It returns ctx.Err() once ctx ends.
type AudioSource interface {
	ReadFrame(ctx context.Context, pcm []int16) (time.Time, error)
}
