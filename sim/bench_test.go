package sim_test

import (
	"context"
	"testing"
)

// BenchmarkRCONStatus measures one `status` round trip over RCON against
// the sim on loopback: command, output and the terminator exchange.
func BenchmarkRCONStatus(b *testing.B) {
	srv, _ := startSim(b, gameRoot(b, basicCfg()), []string{"-simplayers", "8", "-maxplayers", "8", "-simchurn", "0"})
	c := dialSim(b, srv)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		out, err := c.Exec(ctx, "status")
		if err != nil || len(out) < 500 {
			b.Fatalf("status: %d bytes, %v", len(out), err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "roundtrips/s")
}

// BenchmarkRCONStatusLarge is the same with 100 players: three packets.
func BenchmarkRCONStatusLarge(b *testing.B) {
	srv, _ := startSim(b, gameRoot(b, basicCfg()), []string{"-simplayers", "100", "-maxplayers", "128", "-simchurn", "0"})
	c := dialSim(b, srv)
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if out, err := c.Exec(ctx, "status"); err != nil || len(out) < 8192 {
			b.Fatalf("status: %d bytes, %v", len(out), err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "roundtrips/s")
}
