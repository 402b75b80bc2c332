"""Subsidy applications (补助): filing, computing, the approve/reject/pay workflow."""
