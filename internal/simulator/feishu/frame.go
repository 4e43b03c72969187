package feishu

import (
	"errors"
	"fmt"
	"strconv"

	"google.golang.org/protobuf/encoding/protowire"
)

// Frame is one pbbp2.Frame of the long-connection protocol (reference
// §4.3). The simulator encodes it by hand from the field numbers rather
// than with the SDK's generated code, so that a test where the official
// SDK decodes the simulator's frames checks the wire format, not the
// generator against itself.
type Frame struct {
	SeqID           uint64
	LogID           uint64
	Service         int32
	Method          int32 // 0 control (ping/pong), 1 data (event/card)
	Headers         []FrameHeader
	PayloadEncoding string
	PayloadType     string
	Payload         []byte
	LogIDNew        string
}

// FrameHeader is one key/value header of a frame.
type FrameHeader struct{ Key, Value string }

// Frame methods.
const (
	MethodControl = 0
	MethodData    = 1
)

// Header returns the value of header key, or "".
func (f *Frame) Header(key string) string {
	for _, h := range f.Headers {
		if h.Key == key {
			return h.Value
		}
	}
	return ""
}

// HeaderInt returns header key as a number, or 0.
func (f *Frame) HeaderInt(key string) int {
	n, _ := strconv.Atoi(f.Header(key))
	return n
}

// Marshal encodes f. The four proto2 "required" fields are always written,
// even when zero: the SDK's decoder refuses a frame without them.
func (f *Frame) Marshal() []byte {
	b := protowire.AppendTag(nil, 1, protowire.VarintType)
	b = protowire.AppendVarint(b, f.SeqID)
	b = protowire.AppendTag(b, 2, protowire.VarintType)
	b = protowire.AppendVarint(b, f.LogID)
	b = protowire.AppendTag(b, 3, protowire.VarintType)
	b = protowire.AppendVarint(b, uint64(f.Service))
	b = protowire.AppendTag(b, 4, protowire.VarintType)
	b = protowire.AppendVarint(b, uint64(f.Method))
	for _, h := range f.Headers {
		var hb []byte
		hb = protowire.AppendTag(hb, 1, protowire.BytesType)
		hb = protowire.AppendString(hb, h.Key)
		hb = protowire.AppendTag(hb, 2, protowire.BytesType)
		hb = protowire.AppendString(hb, h.Value)
		b = protowire.AppendTag(b, 5, protowire.BytesType)
		b = protowire.AppendBytes(b, hb)
	}
	for _, s := range []struct {
		num protowire.Number
		v   string
	}{{6, f.PayloadEncoding}, {7, f.PayloadType}} {
		b = protowire.AppendTag(b, s.num, protowire.BytesType)
		b = protowire.AppendString(b, s.v)
	}
	if f.Payload != nil {
		b = protowire.AppendTag(b, 8, protowire.BytesType)
		b = protowire.AppendBytes(b, f.Payload)
	}
	b = protowire.AppendTag(b, 9, protowire.BytesType)
	return protowire.AppendString(b, f.LogIDNew)
}

// UnmarshalFrame decodes a frame a client wrote.
func UnmarshalFrame(b []byte) (Frame, error) {
	var f Frame
	var seen int
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return f, protowire.ParseError(n)
		}
		b = b[n:]
		var err error
		if b, err = f.field(num, typ, b, &seen); err != nil {
			return f, err
		}
	}
	if seen&0xf != 0xf {
		return f, errors.New("frame: a required field (SeqID, LogID, service, method) is missing")
	}
	return f, nil
}

// field consumes one field's value from b.
func (f *Frame) field(num protowire.Number, typ protowire.Type, b []byte, seen *int) ([]byte, error) {
	if typ == protowire.VarintType && num >= 1 && num <= 4 {
		v, n := protowire.ConsumeVarint(b)
		if n < 0 {
			return nil, protowire.ParseError(n)
		}
		*seen |= 1 << (num - 1)
		switch num {
		case 1:
			f.SeqID = v
		case 2:
			f.LogID = v
		case 3:
			f.Service = int32(v)
		case 4:
			f.Method = int32(v)
		}
		return b[n:], nil
	}
	if typ != protowire.BytesType {
		n := protowire.ConsumeFieldValue(num, typ, b)
		if n < 0 {
			return nil, protowire.ParseError(n)
		}
		return b[n:], nil
	}
	v, n := protowire.ConsumeBytes(b)
	if n < 0 {
		return nil, protowire.ParseError(n)
	}
	switch num {
	case 5:
		h, err := unmarshalHeader(v)
		if err != nil {
			return nil, err
		}
		f.Headers = append(f.Headers, h)
	case 6:
		f.PayloadEncoding = string(v)
	case 7:
		f.PayloadType = string(v)
	case 8:
		f.Payload = append([]byte{}, v...)
	case 9:
		f.LogIDNew = string(v)
	}
	return b[n:], nil
}

func unmarshalHeader(b []byte) (FrameHeader, error) {
	var h FrameHeader
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 || typ != protowire.BytesType {
			return h, fmt.Errorf("frame header: bad tag")
		}
		v, m := protowire.ConsumeBytes(b[n:])
		if m < 0 {
			return h, protowire.ParseError(m)
		}
		switch num {
		case 1:
			h.Key = string(v)
		case 2:
			h.Value = string(v)
		}
		b = b[n+m:]
	}
	return h, nil
}
