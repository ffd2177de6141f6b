// Command readme is the documentation's code, verbatim: main.go is the README's quickstart program and
// nightly_test.go the "Testing your code with the fake server" test of docs/fake.md (there in a package
// of its own). readme_test.go checks that both still match the documents and runs the program against
// the fake server, pointed there by MPARTICLE_API_URL and MPARTICLE_TOKEN_URL.
package main
