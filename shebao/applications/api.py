from ninja import Router

router = Router(tags=["业务申请"])
