package decode

import (
	"net/netip"
	"reflect"
	"testing"
	"time"
)

// fillNonZero sets every settable field of v (a struct) to a non-zero
// value, recursively.
func fillNonZero(t *testing.T, v reflect.Value) {
	t.Helper()
	switch v.Kind() {
	case reflect.Struct:
		for i := range v.NumField() {
			if f := v.Field(i); f.CanSet() {
				fillNonZero(t, f)
			}
		}
		if v.IsZero() && v.CanSet() {
			// No exported field to set (time.Time, netip.AddrPort).
			switch v.Interface().(type) {
			case time.Time:
				v.Set(reflect.ValueOf(time.Unix(1, 2)))
			case netip.AddrPort:
				v.Set(reflect.ValueOf(netip.MustParseAddrPort("192.0.2.9:99")))
			}
		}
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(7)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(7)
	case reflect.String:
		v.SetString("x")
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 1, 1))
	case reflect.Array:
		for i := range v.Len() {
			fillNonZero(t, v.Index(i))
		}
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
	case reflect.Interface:
		if v.Type().Implements(reflect.TypeOf((*error)(nil)).Elem()) {
			v.Set(reflect.ValueOf(error(errTestEvent{})))
		}
	}
}

type errTestEvent struct{}

func (errTestEvent) Error() string { return "test" }

// TestEventStartsFromZero: the parser reuses one ControlEvent for every
// event (cleared, then its header set, rather than assigned a literal
// whole, which cost several times more): nothing of the event before may
// show through in the next, whatever field it set.
func TestEventStartsFromZero(t *testing.T) {
	client, server := netip.MustParseAddrPort("10.0.0.1:40000"), netip.MustParseAddrPort("10.0.0.2:21")
	ts := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	p := &sessionParser{client: client, server: server, ev: &ControlEvent{}, num: 42, ts: ts}
	fillNonZero(t, reflect.ValueOf(p.ev).Elem())
	v := reflect.ValueOf(*p.ev)
	for i := range v.NumField() {
		if v.Field(i).IsZero() {
			t.Fatalf("fillNonZero left %s zero: the test would not see it kept", v.Type().Field(i).Name)
		}
	}
	e := p.event(ControlReply)
	want := ControlEvent{Kind: ControlReply, Num: 42, TS: ts, Client: client, Server: server}
	if e != p.ev || !reflect.DeepEqual(*e, want) {
		t.Errorf("event = %+v, want %+v", *e, want)
	}
}
