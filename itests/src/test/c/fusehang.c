/* fusehang: a FUSE server that never answers (MountIT installs it under /usr/local for one test):
 * it holds the fuse fd it inherits and waits until killed. */
#include <unistd.h>

int main(void)
{
	for (;;)
		pause();
}
