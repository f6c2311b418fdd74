/* main.c — placeholder while the program is assembled (replaced by the dispatcher). */
#include <stdio.h>
int main(void) { return 0; }
