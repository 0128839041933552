package synth

// crc8Poly is the CRC-8 generator x^8+x^2+x+1 (0x07, the ATM HEC / SMBus
// polynomial). On the 56 data bits of a barcode it has Hamming distance 4:
// every error of one, two or three bits is detected (TestStampDetectsBitErrors
// checks this exhaustively), and a random misread passes with odds 1/256,
// which the sync byte cuts further to about 1/65536.
const crc8Poly = 0x07

// crc8Table is the byte-at-a-time table for crc8Poly, built once at init so
// reading a stamp costs one lookup per byte.
var crc8Table = func() (t [256]byte) {
	for i := range t {
		c := byte(i)
		for range 8 {
			if c&0x80 != 0 {
				c = c<<1 ^ crc8Poly
			} else {
				c <<= 1
			}
		}
		t[i] = c
	}
	return t
}()

// crc8 returns the CRC-8 (initial value 0, no reflection, no final xor) of b.
func crc8(b []byte) byte {
	var c byte
	for _, x := range b {
		c = crc8Table[c^x]
	}
	return c
}
