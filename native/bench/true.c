/*
 * fdaudit-true: the program every benchmark scenario launches. It does
 * nothing and exits 0, and is linked statically when it can be, so a round
 * trip measures the launcher and execve, not the dynamic loader.
 */
int main(void) { return 0; }
