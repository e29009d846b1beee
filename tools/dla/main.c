/* dla: the command line. One file per subcommand. */
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    (void)argc; (void)argv;
    fprintf(stderr, "dla: no subcommands yet\n");
    return 2;
}
