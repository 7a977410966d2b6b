#include "run.h"

int main(int argc, char **argv)
{
    return bbperm_main(argc, argv);
}
