
BlogitsJ(Ül‹¼ºæ½iæ°;nÏ½@mí=Lú½™åo>“ZC¾H9¨<Y³=