// Package camera captures the machine's cameras through the drivers of
// github.com/pion/mediadevices (V4L2 on Linux, AVFoundation on macOS,
// DirectShow on Windows): it lists them with the names people know them
// by, chooses the capture format that best fits what the call wants
// (Choose), converts what the camera gives (MJPEG through libjpeg-turbo,
// YUYV, UYVY, NV12 and NV21 through libyuv, I420) into the engine's I420 without
// allocating per frame (Converter), and keeps a call's picture going when
// a camera is unplugged (Source): it falls back to the system's default
// camera or to a black picture, takes a camera plugged in, and reports
// each change.
//
// On Linux frames are converted straight out of the V4L2 driver's
// buffers; on macOS and Windows they come through mediadevices' readers,
// which decode (and allocate) each frame themselves first.
package camera
