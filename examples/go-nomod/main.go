// A Go app as small as it gets: one file of package main, the standard library, no go.mod and
// no Dockerfile. Berth makes up the module in the build (go mod init) and builds it offline.
// It answers HTTP with the net package alone, which compiles in a few seconds on one build CPU
// (net/http, as in examples/go-hello, takes about half a minute there).
package main

import (
	"bufio"
	"fmt"
	"log"
	"net"
	"os"
)

func main() {
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	ln, err := net.Listen("tcp", ":"+port)
	if err != nil {
		log.Fatal(err)
	}
	log.Printf("go-nomod listening on %s", port)
	for {
		c, err := ln.Accept()
		if err != nil {
			continue
		}
		go answer(c)
	}
}

// answer reads one request's head and replies; one request per connection.
func answer(c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	for {
		line, err := r.ReadString('\n')
		if err != nil || line == "\r\n" || line == "\n" {
			break
		}
	}
	body := "go-nomod: built without go.mod\n"
	fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", len(body), body)
}
