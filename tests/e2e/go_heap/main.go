// Writes a heap profile with Go's own runtime/pprof to the path in os.Args[1]: a profile
// memsnoop diff must read although memsnoop did not write it.
package main

import (
	"os"
	"runtime"
	"runtime/pprof"
)

var kept [][]byte

//go:noinline
func retainBuffers(n, size int) {
	for i := 0; i < n; i++ {
		kept = append(kept, make([]byte, size))
	}
}

func main() {
	runtime.MemProfileRate = 1
	retainBuffers(1000, 4096)
	runtime.GC()
	f, err := os.Create(os.Args[1])
	if err != nil {
		panic(err)
	}
	defer f.Close()
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		panic(err)
	}
}
