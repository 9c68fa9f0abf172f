// A Go app with only the standard library and no Dockerfile: Berth builds it in two stages.
package main

import (
	"fmt"
	"log"
	"net/http"
	"os"
)

func main() {
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "go-hello: hello from Go")
	})
	log.Printf("go-hello listening on %s", port)
	log.Fatal(http.ListenAndServe(":"+port, nil))
}
