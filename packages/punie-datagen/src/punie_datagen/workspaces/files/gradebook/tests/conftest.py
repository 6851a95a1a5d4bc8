import pytest

from gradebook.model import Gradebook, load

WEIGHTS = """
# name weight points
quiz1   10  20
essay   40  50
final   50  100
"""

EXPORT = """id,name,group,quiz1,essay,final
s1,Ada Byron,blue,18,45,93
s2,Ben Okri,red,20,38,71
s3,Chen Li,blue,EX,41,88
s4,Dee Walsh,red,12,,64
s5,Eve Moss,blue,19,40,80
"""


@pytest.fixture
def book() -> Gradebook:
    return load(EXPORT, WEIGHTS)
