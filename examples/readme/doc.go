// Command readme is the README's code, verbatim: main.go is its quickstart program and nightly_test.go
// its "Testing your code with the fake server" test (there in a package of its own). readme_test.go
// checks that both still match the README and runs the program against the fake server, pointed there
// by MPARTICLE_API_URL and MPARTICLE_TOKEN_URL.
package main
