#include "run.h"
#include "util.h"

int main(int argc, char **argv)
{
    if (std_fds_open() != 0)
        return 2;
    return bbperm_main(argc, argv);
}
