// Placeholder: replaced by the `fogbank` command line.
int main() { return 0; }
