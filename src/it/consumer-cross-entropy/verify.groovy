// exec:exec fails the build if the value is off; this checks that the program really ran.
def log = new File(basedir, 'build.log').text
assert log.contains('CrossEntropyLoss = 1.14526') : 'no CrossEntropyLoss line in build.log'
assert log.contains('on PyTorch 2.7.1') : 'not computed on the PyTorch 2.7.1 native'
return true
